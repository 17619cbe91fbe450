package si.esoseska.keycloak.captcha;

import jakarta.ws.rs.core.MultivaluedMap;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.provider.Provider;
import org.keycloak.vault.VaultStringSecret;

/**
 * The "Nisem robot" check of our forms ({@code session.getProvider(CaptchaProvider.class)}): a signed ALTCHA
 * challenge for the page, and the check of the posted solution ({@link CaptchaCheck}) with the realm's HMAC key from
 * the vault and Keycloak's single-use store against replays. Without the key in the vault every check fails closed.
 */
public final class CaptchaProvider implements Provider {

    /** The form field the widget posts its payload in. */
    public static final String FIELD = "altcha";

    /** The page's attribute with the challenge (JSON for the widget); absent when there is no key. */
    public static final String ATTRIBUTE = "altchaChallenge";

    private static final Logger LOG = Logger.getLogger(CaptchaProvider.class);

    private final KeycloakSession session;
    private final CaptchaOptions options;
    private final CaptchaDifficulty difficulty;
    private final Clock clock;

    CaptchaProvider(KeycloakSession session, CaptchaOptions options, CaptchaDifficulty difficulty, Clock clock) {
        this.session = session;
        this.options = options;
        this.difficulty = difficulty;
        this.clock = clock;
    }

    /**
     * A fresh challenge for the page's widget, as JSON (harder while the bridge reports a flood); empty when the
     * realm's key is not in the vault.
     */
    public Optional<String> challengeJson() {
        Instant now = clock.instant();
        return key().map(key -> new Altcha(key)
                .issue(difficulty.maxNumber(now), now.plus(options.ttl()))
                .toJson());
    }

    /** The bridge asked for a captcha in a verify answer (it sees a flood of failed checks): raise the work. */
    public void floodReported() {
        difficulty.floodReported(clock.instant());
    }

    /** The field error for the posted form, or empty when its captcha is solved (and now used up). */
    public Optional<FormMessage> check(MultivaluedMap<String, String> formData) {
        Optional<byte[]> key = key();
        if (key.isEmpty()) {
            return Optional.of(new FormMessage(FIELD, CaptchaCheck.UNAVAILABLE));
        }
        Optional<String> problem = new CaptchaCheck(
                        new Altcha(key.get()),
                        (id, seconds) -> session.singleUseObjects().putIfAbsent(id, seconds))
                .problem(formData == null ? null : formData.getFirst(FIELD), clock.instant());
        problem.ifPresent(reason -> LOG.infof(
                "captcha refused: %s (remote %s)",
                reason, session.getContext().getConnection().getRemoteAddr()));
        return problem.map(reason -> new FormMessage(FIELD, reason));
    }

    private Optional<byte[]> key() {
        RealmModel realm = session.getContext().getRealm();
        if (realm == null) {
            return Optional.empty();
        }
        Optional<String> secret;
        try (VaultStringSecret vault = session.vault().getStringSecret(options.keyVaultExpression())) {
            secret = vault.get().map(String::strip).filter(s -> !s.isEmpty());
        }
        if (secret.isEmpty()) {
            LOG.errorf(
                    "the captcha's HMAC key is not in Keycloak's vault for realm %s (vault key %s; with the file vault: "
                            + "the file %s in --vault-dir): registration, Dodaj upravnika and inquiries are refused "
                            + "until it is there",
                    realm.getName(), options.keyVaultKey(), options.vaultFileName(realm.getName()));
            return Optional.empty();
        }
        return Optional.of(secret.get().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {}
}
