package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BridgeSettingsTest {

    @Test
    void noConfigGivesTheDefaultsAndNoSecret() {
        BridgeSettings settings = BridgeSettings.fromConfig(null);
        assertEquals(URI.create("http://localhost:8000/"), settings.baseUrl());
        assertEquals(Duration.ofMillis(3000), settings.timeout());
        assertFalse(settings.hasSecret());
    }

    @Test
    void blankValuesGiveTheDefaults() {
        BridgeSettings settings = BridgeSettings.fromConfig(Map.of("bridgeUrl", "  ", "timeoutMs", ""));
        assertEquals(URI.create("http://localhost:8000/"), settings.baseUrl());
        assertEquals(Duration.ofMillis(3000), settings.timeout());
    }

    @Test
    void configuredValuesAreUsed() {
        BridgeSettings settings = BridgeSettings.fromConfig(
                Map.of("bridgeUrl", " http://bridge:9000 ", "callbackSecret", "s3cret", "timeoutMs", " 1500 "));
        assertEquals(URI.create("http://bridge:9000/"), settings.baseUrl());
        assertEquals("s3cret", settings.callbackSecret());
        assertTrue(settings.hasSecret());
        assertEquals(Duration.ofMillis(1500), settings.timeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5", "-100", "0", "99999999999"})
    void badTimeoutFallsBackToTheDefault(String timeout) {
        assertEquals(
                Duration.ofMillis(3000),
                BridgeSettings.fromConfig(Map.of("timeoutMs", timeout)).timeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://bridge:8000", "http://bridge:8000/"})
    void trailingSlashOrNotResolvesTheSameUrl(String url) {
        BridgeSettings settings = BridgeSettings.fromConfig(Map.of("bridgeUrl", url));
        assertEquals(
                URI.create("http://bridge:8000/v1/registrations/verify"), settings.resolve("v1/registrations/verify"));
        assertEquals(URI.create("http://bridge:8000/v1/managers"), settings.resolve("/v1/managers"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.si/bridge", "https://example.si/bridge/"})
    void bridgeBehindAPathPrefixKeepsThePrefix(String url) {
        BridgeSettings settings = BridgeSettings.fromConfig(Map.of("bridgeUrl", url));
        assertEquals(URI.create("https://example.si/bridge/v1/managers"), settings.resolve("v1/managers"));
        assertEquals(URI.create("https://example.si/bridge/v1/managers"), settings.resolve("/v1/managers"));
    }

    @Test
    void missingSecretIsNoSecret() {
        Map<String, String> config = new HashMap<>();
        config.put("bridgeUrl", "http://bridge");
        assertFalse(BridgeSettings.fromConfig(config).hasSecret());
        config.put("callbackSecret", "");
        assertFalse(BridgeSettings.fromConfig(config).hasSecret());
    }
}
