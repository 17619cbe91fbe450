package si.esoseska.keycloak.bridge;

import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.Provider;
import org.keycloak.vault.VaultStringSecret;

/**
 * The bridge as the other providers get it ({@code session.getProvider(BridgeProvider.class)}): the server's options
 * and, for signed calls, the callback secret from the vault of the session's realm. A secret missing from the vault
 * is logged and leaves the client without one, so every signed call fails closed ("try again later").
 */
public final class BridgeProvider implements Provider {

    private static final Logger LOG = Logger.getLogger(BridgeProvider.class);

    private final KeycloakSession session;
    private final BridgeOptions options;

    BridgeProvider(KeycloakSession session, BridgeOptions options) {
        this.session = session;
        this.options = options;
    }

    /** The client for signed calls (verify, claim, claim sync, inquiry), with the realm's callback secret. */
    public BridgeClient client() {
        return new BridgeClient(options.settings(callbackSecret()));
    }

    /** The settings without the secret, enough for the manager list (an unsigned GET). */
    public BridgeSettings unsignedSettings() {
        return options.settings("");
    }

    private String callbackSecret() {
        RealmModel realm = session.getContext().getRealm();
        if (realm == null) {
            LOG.errorf("bridge call outside a realm: no callback secret (vault key %s)", options.secretVaultKey());
            return "";
        }
        Optional<String> secret;
        try (VaultStringSecret vault = session.vault().getStringSecret(options.secretVaultExpression())) {
            secret = vault.get().map(String::strip).filter(s -> !s.isEmpty());
        }
        if (secret.isEmpty()) {
            LOG.errorf(
                    "the bridge's callback secret is not in Keycloak's vault for realm %s (vault key %s; with the file "
                            + "vault: the file %s in --vault-dir): calls to the bridge are refused until it is there",
                    realm.getName(), options.secretVaultKey(), options.vaultFileName(realm.getName()));
            return "";
        }
        return secret.get();
    }

    @Override
    public void close() {}
}
