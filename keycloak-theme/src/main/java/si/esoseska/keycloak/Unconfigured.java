package si.esoseska.keycloak;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;

/**
 * A provider factory with nothing to read from the server config and nothing to start or stop (the bridge settings
 * are the esoseska-bridge SPI's, BridgeOptions; the rest lives in the realm: realm attributes, flows).
 */
public interface Unconfigured<T extends Provider> extends ProviderFactory<T> {

    @Override
    default void init(Config.Scope config) {}

    @Override
    default void postInit(KeycloakSessionFactory factory) {}

    @Override
    default void close() {}
}
