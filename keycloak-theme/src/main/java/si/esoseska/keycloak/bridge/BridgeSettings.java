package si.esoseska.keycloak.bridge;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Where the bridge is and how to talk to it: the payer-check execution's config in the admin console.
 */
public record BridgeSettings(URI baseUrl, String callbackSecret, Duration timeout) {

    public static final String BRIDGE_URL = "bridgeUrl";
    public static final String CALLBACK_SECRET = "callbackSecret";
    public static final String TIMEOUT_MS = "timeoutMs";

    public static final String DEFAULT_BRIDGE_URL = "http://localhost:8000";
    public static final int DEFAULT_TIMEOUT_MS = 3000;

    /** Reads the execution config; missing values get their defaults, except the secret. */
    public static BridgeSettings fromConfig(Map<String, String> config) {
        Map<String, String> c = config == null ? Map.of() : config;
        String url = blankToDefault(c.get(BRIDGE_URL), DEFAULT_BRIDGE_URL);
        int timeoutMs;
        try {
            timeoutMs = Integer.parseInt(blankToDefault(c.get(TIMEOUT_MS), String.valueOf(DEFAULT_TIMEOUT_MS))
                    .trim());
        } catch (NumberFormatException e) {
            timeoutMs = DEFAULT_TIMEOUT_MS;
        }
        if (timeoutMs <= 0) {
            timeoutMs = DEFAULT_TIMEOUT_MS;
        }
        return new BridgeSettings(
                URI.create(url.endsWith("/") ? url : url + "/"),
                c.getOrDefault(CALLBACK_SECRET, ""),
                Duration.ofMillis(timeoutMs));
    }

    public boolean hasSecret() {
        return callbackSecret != null && !callbackSecret.isEmpty();
    }

    public URI resolve(String path) {
        return baseUrl.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    private static String blankToDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
