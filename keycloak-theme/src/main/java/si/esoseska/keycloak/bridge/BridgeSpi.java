package si.esoseska.keycloak.bridge;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/** The SPI {@code esoseska-bridge}: the one place the server's bridge options are read ({@link BridgeOptions}). */
public final class BridgeSpi implements Spi {

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return BridgeOptions.SPI;
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return BridgeProvider.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return BridgeProviderFactory.class;
    }
}
