package si.esoseska.keycloak.captcha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server options of the esoseska-captcha SPI, as the factory's init() reads them. */
class CaptchaOptionsTest {

    @Test
    void nothingSetGivesAnOldPhonesSecondAndAHalfAndTheDefaultVaultKey() {
        CaptchaOptions options = CaptchaOptions.read(Map.<String, String>of()::get);
        assertEquals(100_000, options.maxNumber());
        assertEquals(500_000, options.attackMaxNumber());
        assertEquals(Duration.ofMinutes(15), options.attackDuration());
        assertEquals(Duration.ofMinutes(20), options.ttl());
        assertEquals("${vault.captcha-hmac-key}", options.keyVaultExpression());
        assertEquals("esoseska_captcha-hmac-key", options.vaultFileName("esoseska"));
        assertEquals("my__realm_captcha-hmac-key", options.vaultFileName("my_realm"));
    }

    @Test
    void theDevStacksSmallerWorkIsTaken() {
        CaptchaOptions options =
                CaptchaOptions.read(Map.of("maxNumber", "50000", "ttlSeconds", "300", "hmacKeyVaultKey", "k1")::get);
        assertEquals(50_000, options.maxNumber());
        assertEquals(Duration.ofMinutes(5), options.ttl());
        assertEquals("${vault.k1}", options.keyVaultExpression());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "999", "10000001", "lots", "-5"})
    void aMaxNumberOutOfRangeStopsTheStartNamingTheOption(String value) {
        var problem =
                assertThrows(CaptchaOptions.Invalid.class, () -> CaptchaOptions.read(Map.of("maxNumber", value)::get));
        assertTrue(problem.getMessage().contains("--spi-esoseska-captcha--default--max-number"), problem.getMessage());
        assertTrue(problem.getMessage().contains("KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__MAX_NUMBER"));
    }

    @Test
    void aVaultKeyThatIsNoFileNameStopsTheStart() {
        assertThrows(
                CaptchaOptions.Invalid.class,
                () -> CaptchaOptions.read(Map.of("hmacKeyVaultKey", "../etc/passwd")::get));
    }

    @Test
    void aFloodsWorkIsSetOrFollowsALargerNormalWork() {
        CaptchaOptions set = CaptchaOptions.read(Map.of("attackMaxNumber", "400000", "attackSeconds", "60")::get);
        assertEquals(400_000, set.attackMaxNumber());
        assertEquals(Duration.ofMinutes(1), set.attackDuration());
        CaptchaOptions large = CaptchaOptions.read(Map.of("maxNumber", "2000000")::get);
        assertEquals(2_000_000, large.attackMaxNumber());
    }

    @Test
    void aFloodsWorkBelowTheNormalWorkStopsTheStart() {
        var problem = assertThrows(
                CaptchaOptions.Invalid.class,
                () -> CaptchaOptions.read(Map.of("maxNumber", "300000", "attackMaxNumber", "100000")::get));
        assertTrue(problem.getMessage().contains("KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__ATTACK_MAX_NUMBER"));
    }
}
