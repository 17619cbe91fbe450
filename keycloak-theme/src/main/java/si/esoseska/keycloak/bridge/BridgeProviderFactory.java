package si.esoseska.keycloak.bridge;

import org.keycloak.provider.ProviderFactory;

/** The factories of the {@code esoseska-bridge} SPI (one: {@link DefaultBridgeProviderFactory}). */
public interface BridgeProviderFactory extends ProviderFactory<BridgeProvider> {}
