package si.esoseska.keycloak.bridge;

import java.net.URI;
import java.time.Duration;

/**
 * Where the bridge is, how long to wait for it, and the secret that signs the calls: what one {@link BridgeClient}
 * needs. Made by {@link BridgeProvider} from the server's options ({@link BridgeOptions}) and the realm's vault.
 */
public record BridgeSettings(URI baseUrl, String callbackSecret, Duration timeout) {

    /** The settings with the base URL ending in "/", so that relative endpoints resolve below it. */
    public static BridgeSettings of(String baseUrl, String callbackSecret, Duration timeout) {
        String url = baseUrl.strip();
        return new BridgeSettings(URI.create(url.endsWith("/") ? url : url + "/"), callbackSecret, timeout);
    }

    public boolean hasSecret() {
        return callbackSecret != null && !callbackSecret.isEmpty();
    }

    public URI resolve(String path) {
        return baseUrl.resolve(path.startsWith("/") ? path.substring(1) : path);
    }
}
