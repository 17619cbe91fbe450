package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server options of the esoseska-bridge SPI, as the factory's init() reads them. */
class BridgeOptionsTest {

    private static BridgeOptions read(Map<String, String> options, boolean devMode) {
        return BridgeOptions.read(options::get, devMode);
    }

    @Test
    void inStartDevNothingSetGivesTheDevStacksBridgeAndTheDefaultVaultKey() {
        BridgeOptions options = read(Map.of(), true);
        assertEquals(URI.create("http://localhost:8000/"), options.baseUrl());
        assertEquals(Duration.ofMillis(3000), options.timeout());
        assertEquals("bridge-callback-secret", options.secretVaultKey());
        assertEquals("${vault.bridge-callback-secret}", options.secretVaultExpression());
    }

    @Test
    void inProductionAMissingUrlStopsTheStartNamingTheOption() {
        BridgeOptions.Invalid error = assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of(), false));
        assertTrue(
                error.getMessage()
                        .contains("--spi-esoseska-bridge--default--url (KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL)"),
                error.getMessage());
        assertTrue(error.getMessage().contains("is missing"), error.getMessage());
        assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of("url", "  "), false));
    }

    @Test
    void configuredValuesAreUsed() {
        BridgeOptions options = read(
                Map.of("url", " http://bridge:9000 ", "timeoutMs", " 1500 ", "callbackSecretVaultKey", "kc-bridge"),
                false);
        assertEquals(URI.create("http://bridge:9000/"), options.baseUrl());
        assertEquals(Duration.ofMillis(1500), options.timeout());
        assertEquals("${vault.kc-bridge}", options.secretVaultExpression());
        BridgeSettings settings = options.settings("s3cret");
        assertEquals("s3cret", settings.callbackSecret());
        assertEquals(URI.create("http://bridge:9000/v1/managers"), settings.resolve("/v1/managers"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "1.5", "-100", "0", "99999999999", "60001"})
    void aBadTimeoutStopsTheStartInEveryMode(String timeout) {
        BridgeOptions.Invalid error =
                assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of("timeoutMs", timeout), true));
        assertTrue(error.getMessage().contains("--spi-esoseska-bridge--default--timeout-ms"), error.getMessage());
        assertTrue(error.getMessage().contains(timeout), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bridge:8000", "ftp://bridge", "http://", "http://bri dge"})
    void aUrlThatIsNoHttpUrlStopsTheStart(String url) {
        BridgeOptions.Invalid error = assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of("url", url), true));
        assertTrue(error.getMessage().contains("KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"), error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"${vault.x}", "../esoseska_x", "a b", "dev-only-callback-secret-change-me!"})
    void theSecretOptionTakesAVaultKeyNeverTheSecretOrAnExpression(String key) {
        BridgeOptions.Invalid error =
                assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of("callbackSecretVaultKey", key), true));
        assertTrue(error.getMessage().contains("--spi-esoseska-bridge--default--callback-secret-vault-key"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        BridgeOptions.Invalid error =
                assertThrows(BridgeOptions.Invalid.class, () -> read(Map.of("timeoutMs", "x"), false));
        assertTrue(error.getMessage().contains("--url") && error.getMessage().contains("--timeout-ms"));
    }

    @Test
    void theFileVaultsFileIsRealmUnderscoreKeyWithUnderscoresDoubled() {
        assertEquals("esoseska_bridge-callback-secret", read(Map.of(), true).vaultFileName("esoseska"));
        assertEquals(
                "my__realm_kc__bridge",
                read(Map.of("callbackSecretVaultKey", "kc_bridge"), true).vaultFileName("my_realm"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://bridge:8000", "http://bridge:8000/"})
    void trailingSlashOrNotResolvesTheSameUrl(String url) {
        BridgeSettings settings = read(Map.of("url", url), false).settings("s");
        assertEquals(
                URI.create("http://bridge:8000/v1/registrations/verify"), settings.resolve("v1/registrations/verify"));
        assertEquals(URI.create("http://bridge:8000/v1/managers"), settings.resolve("/v1/managers"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.si/bridge", "https://example.si/bridge/"})
    void bridgeBehindAPathPrefixKeepsThePrefix(String url) {
        BridgeSettings settings = read(Map.of("url", url), false).settings("s");
        assertEquals(URI.create("https://example.si/bridge/v1/managers"), settings.resolve("v1/managers"));
        assertEquals(URI.create("https://example.si/bridge/v1/managers"), settings.resolve("/v1/managers"));
    }
}
