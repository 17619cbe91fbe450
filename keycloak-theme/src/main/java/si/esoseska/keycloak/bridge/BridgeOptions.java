package si.esoseska.keycloak.bridge;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The server options of the bridge SPI, read once at start ({@code --spi-esoseska-bridge--default--<option>} or
 * {@code KC_SPI_ESOSESKA_BRIDGE__DEFAULT__<OPTION>}): the bridge's URL, the timeout, and the vault key of the
 * callback secret. In production a missing URL, and anywhere a value that is not valid, stops Keycloak's start
 * with a message naming the option; in start-dev a missing URL is the dev stack's {@code http://localhost:8000}.
 */
public record BridgeOptions(URI baseUrl, Duration timeout, String secretVaultKey) {

    public static final String SPI = "esoseska-bridge";
    public static final String PROVIDER = "default";

    /** Option names as {@code Config.Scope} takes them; on the command line they are written in kebab case. */
    public static final String URL = "url";

    public static final String TIMEOUT_MS = "timeoutMs";
    public static final String CALLBACK_SECRET_VAULT_KEY = "callbackSecretVaultKey";

    public static final String DEV_URL = "http://localhost:8000";
    public static final int DEFAULT_TIMEOUT_MS = 3000;
    public static final String DEFAULT_VAULT_KEY = "bridge-callback-secret";

    /** A vault key as a file name of the file vault can hold it: no path, no spaces, no braces. */
    private static final Pattern VAULT_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** Thrown when an option is missing or wrong; its message says which option and what to set. */
    public static final class Invalid extends IllegalStateException {
        Invalid(String message) {
            super(message);
        }
    }

    /**
     * Reads the options through {@code option} (the factory's {@code Config.Scope::get}); {@code devMode} lets a
     * missing URL default to the dev stack's.
     */
    public static BridgeOptions read(Function<String, String> option, boolean devMode) {
        List<String> problems = new ArrayList<>();
        String url = blankToNull(option.apply(URL));
        URI baseUrl = null;
        if (url == null) {
            if (devMode) {
                url = DEV_URL;
            } else {
                problems.add(
                        name(URL) + " is missing: set the registration bridge's base URL (e.g. http://bridge:8000)");
            }
        }
        if (url != null) {
            baseUrl = parseUrl(url, problems);
        }
        Duration timeout = parseTimeout(blankToNull(option.apply(TIMEOUT_MS)), problems);
        String vaultKey = blankToNull(option.apply(CALLBACK_SECRET_VAULT_KEY));
        if (vaultKey == null) {
            vaultKey = DEFAULT_VAULT_KEY;
        } else if (!VAULT_KEY.matcher(vaultKey).matches()) {
            problems.add(name(CALLBACK_SECRET_VAULT_KEY) + " '" + vaultKey
                    + "' is not a vault key (letters, digits, '.', '_', '-'; e.g. " + DEFAULT_VAULT_KEY + ")");
        }
        if (!problems.isEmpty()) {
            throw new Invalid("the registration bridge is not configured: " + String.join("; ", problems));
        }
        return new BridgeOptions(baseUrl, timeout, vaultKey);
    }

    /** The vault expression of the callback secret, as {@code session.vault().getStringSecret} takes it. */
    public String secretVaultExpression() {
        return "${vault." + secretVaultKey + "}";
    }

    /** The file the file vault reads the secret from for a realm ({@code <realm>_<key>}, '_' written twice). */
    public String vaultFileName(String realm) {
        return realm.replace("_", "__") + "_" + secretVaultKey.replace("_", "__");
    }

    public BridgeSettings settings(String callbackSecret) {
        return new BridgeSettings(baseUrl, callbackSecret, timeout);
    }

    /** How an option is written on the command line and in the environment. */
    public static String name(String option) {
        String kebab = option.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
        String cli = "spi-" + SPI + "--" + PROVIDER + "--" + kebab;
        String env = "KC_" + cli.replace("--", "__").replace('-', '_').toUpperCase(java.util.Locale.ROOT);
        return "--" + cli + " (" + env + ")";
    }

    private static URI parseUrl(String url, List<String> problems) {
        String withSlash = url.endsWith("/") ? url : url + "/";
        try {
            URI uri = new URI(withSlash);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                problems.add(name(URL) + " '" + url + "' is not an http(s) URL with a host");
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            problems.add(name(URL) + " '" + url + "' is not a URL: " + e.getMessage());
            return null;
        }
    }

    private static Duration parseTimeout(String value, List<String> problems) {
        if (value == null) {
            return Duration.ofMillis(DEFAULT_TIMEOUT_MS);
        }
        try {
            int ms = Integer.parseInt(value);
            if (ms > 0 && ms <= 60_000) {
                return Duration.ofMillis(ms);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(name(TIMEOUT_MS) + " '" + value + "' is not a number of milliseconds between 1 and 60000");
        return null;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
