package si.esoseska.keycloak.bridge;

import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.common.util.Environment;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Reads the bridge options once at start ({@link BridgeOptions}); a wrong or (in production) missing one stops it. */
public final class DefaultBridgeProviderFactory implements BridgeProviderFactory {

    private static final Logger LOG = Logger.getLogger(DefaultBridgeProviderFactory.class);

    private BridgeOptions options;

    @Override
    public void init(Config.Scope config) {
        options = BridgeOptions.read(config::get, Environment.isDevMode());
        LOG.infof(
                "registration bridge at %s, timeout %d ms, callback secret from vault key %s",
                options.baseUrl(), options.timeout().toMillis(), options.secretVaultKey());
    }

    @Override
    public BridgeProvider create(KeycloakSession session) {
        return new BridgeProvider(session, options);
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {}

    @Override
    public void close() {}

    @Override
    public String getId() {
        return BridgeOptions.PROVIDER;
    }
}
