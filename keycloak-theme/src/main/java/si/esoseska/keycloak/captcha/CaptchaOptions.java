package si.esoseska.keycloak.captcha;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The server options of the captcha SPI, read once at start ({@code --spi-esoseska-captcha--default--<option>} or
 * {@code KC_SPI_ESOSESKA_CAPTCHA__DEFAULT__<OPTION>}): how much work a challenge asks for (its maxnumber), and how
 * much while the bridge reports a flood of failed payer checks (and for how long after its last report), how long a
 * challenge is good for, and the vault key of the HMAC key that signs the challenges. A value that is not valid
 * stops Keycloak's start with a message naming the option.
 */
public record CaptchaOptions(
        int maxNumber, int attackMaxNumber, Duration attackDuration, Duration ttl, String keyVaultKey) {

    public static final String SPI = "esoseska-captcha";
    public static final String PROVIDER = "default";

    public static final String MAX_NUMBER = "maxNumber";
    public static final String ATTACK_MAX_NUMBER = "attackMaxNumber";
    public static final String ATTACK_SECONDS = "attackSeconds";
    public static final String TTL_SECONDS = "ttlSeconds";
    public static final String HMAC_KEY_VAULT_KEY = "hmacKeyVaultKey";

    /**
     * The production default: an old phone (a CPU four times slower than a server's core) tries half the range in
     * about 1.5 s on average (bench/captcha_solve.py; docs/performance.md), within the 2 s a resident should wait.
     */
    public static final int DEFAULT_MAX_NUMBER = 100_000;

    /**
     * Five times the work while the bridge reports a flood (about 8 s of an old phone's time on average): a robot's
     * every guess costs that much more, a resident waits a few seconds once.
     */
    public static final int DEFAULT_ATTACK_MAX_NUMBER = 500_000;

    /** The harder challenges stay this long after the bridge's last report of a flood (its WARNING period). */
    public static final int DEFAULT_ATTACK_SECONDS = 900;

    public static final int MIN_MAX_NUMBER = 1_000;
    public static final int MOST_MAX_NUMBER = 10_000_000;
    /** As long as Keycloak keeps a registration form open (its login action lifespan is 30 minutes at most). */
    public static final int DEFAULT_TTL_SECONDS = 1200;

    public static final String DEFAULT_VAULT_KEY = "captcha-hmac-key";

    private static final Pattern VAULT_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** Thrown when an option is wrong; its message says which option and what to set. */
    public static final class Invalid extends IllegalStateException {
        Invalid(String message) {
            super(message);
        }
    }

    public static CaptchaOptions read(Function<String, String> option) {
        List<String> problems = new ArrayList<>();
        int maxNumber = number(option, MAX_NUMBER, DEFAULT_MAX_NUMBER, MIN_MAX_NUMBER, MOST_MAX_NUMBER, problems);
        int attackMaxNumber = number(
                option,
                ATTACK_MAX_NUMBER,
                Math.max(DEFAULT_ATTACK_MAX_NUMBER, maxNumber),
                MIN_MAX_NUMBER,
                MOST_MAX_NUMBER,
                problems);
        if (attackMaxNumber < maxNumber) {
            problems.add(name(ATTACK_MAX_NUMBER) + " " + attackMaxNumber + " is less than " + name(MAX_NUMBER) + " "
                    + maxNumber + ": a flood must not make the work smaller");
        }
        int attackSeconds = number(option, ATTACK_SECONDS, DEFAULT_ATTACK_SECONDS, 5, 86_400, problems);
        int ttl = number(option, TTL_SECONDS, DEFAULT_TTL_SECONDS, 30, 86_400, problems);
        String vaultKey = blankToNull(option.apply(HMAC_KEY_VAULT_KEY));
        if (vaultKey == null) {
            vaultKey = DEFAULT_VAULT_KEY;
        } else if (!VAULT_KEY.matcher(vaultKey).matches()) {
            problems.add(name(HMAC_KEY_VAULT_KEY) + " '" + vaultKey
                    + "' is not a vault key (letters, digits, '.', '_', '-'; e.g. " + DEFAULT_VAULT_KEY + ")");
        }
        if (!problems.isEmpty()) {
            throw new Invalid("the captcha is not configured: " + String.join("; ", problems));
        }
        return new CaptchaOptions(
                maxNumber, attackMaxNumber, Duration.ofSeconds(attackSeconds), Duration.ofSeconds(ttl), vaultKey);
    }

    /** The vault expression of the HMAC key, as {@code session.vault().getStringSecret} takes it. */
    public String keyVaultExpression() {
        return "${vault." + keyVaultKey + "}";
    }

    /** The file the file vault reads the key from for a realm ({@code <realm>_<key>}, '_' written twice). */
    public String vaultFileName(String realm) {
        return realm.replace("_", "__") + "_" + keyVaultKey.replace("_", "__");
    }

    /** How an option is written on the command line and in the environment. */
    public static String name(String option) {
        String kebab = option.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
        String cli = "spi-" + SPI + "--" + PROVIDER + "--" + kebab;
        String env = "KC_" + cli.replace("--", "__").replace('-', '_').toUpperCase(Locale.ROOT);
        return "--" + cli + " (" + env + ")";
    }

    private static int number(
            Function<String, String> option, String name, int fallback, int least, int most, List<String> problems) {
        String value = blankToNull(option.apply(name));
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= least && n <= most) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(name(name) + " '" + value + "' is not a whole number between " + least + " and " + most);
        return fallback;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
