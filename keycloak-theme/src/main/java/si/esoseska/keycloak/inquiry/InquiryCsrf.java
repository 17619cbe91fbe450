package si.esoseska.keycloak.inquiry;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The inquiry form's CSRF token: a page on another site must not be able to send an inquiry from a visitor's
 * browser.
 *
 * <p>Double submit, signed: the visitor's browser holds a random nonce in an HttpOnly, SameSite=Strict cookie
 * (another site can neither read it nor, with {@code __Host-} on https, set it), and the form carries
 * {@code <expiry>.<HMAC(nonce, expiry)>}. A POST is accepted only with a cookie, a token made for that cookie's
 * nonce, not expired, and (when the browser says where the form came from) from the page's own origin.
 *
 * <p>The HMAC key is derived from the realm's HMAC keys (the ones Keycloak signs with; kept in the database), so
 * every node of a cluster makes and checks the same tokens and nothing new has to be configured. The first key
 * signs, every enabled one verifies (a rotated key still accepts the forms it signed).
 */
final class InquiryCsrf {

    /** The form field with the token. */
    static final String FIELD = "csrf";
    /** How long a form may stay open before it must be sent again. */
    static final Duration LIFETIME = Duration.ofHours(2);

    private static final String LABEL = "esoseska-inquiry-csrf/1";
    private static final String MAC = "HmacSHA256";
    private static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern TOKEN = Pattern.compile("(\\d{1,12})\\.([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    enum Check {
        VALID,
        /** a token this page made, but older than LIFETIME */
        EXPIRED,
        /** no cookie, no token, or a token made for another cookie or with another key */
        INVALID
    }

    private final List<SecretKeySpec> keys;
    private final Clock clock;

    /** secrets: the realm's HMAC keys, the signing one first. */
    InquiryCsrf(List<byte[]> secrets, Clock clock) {
        this.keys = secrets.stream().map(InquiryCsrf::derive).toList();
        this.clock = clock;
    }

    boolean hasKey() {
        return !keys.isEmpty();
    }

    static String newNonce() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static boolean wellFormedNonce(String nonce) {
        return nonce != null && NONCE.matcher(nonce).matches();
    }

    /** The token for the form of a visitor whose cookie holds this nonce. */
    String token(String nonce) {
        if (keys.isEmpty()) {
            throw new IllegalStateException("the realm has no HMAC key to sign the inquiry form with");
        }
        long expires = clock.instant().plus(LIFETIME).getEpochSecond();
        return expires + "." + mac(keys.get(0), nonce, expires);
    }

    Check check(String nonce, String token) {
        if (!wellFormedNonce(nonce) || token == null) {
            return Check.INVALID;
        }
        var m = TOKEN.matcher(token);
        if (!m.matches()) {
            return Check.INVALID;
        }
        long expires = Long.parseLong(m.group(1));
        byte[] given = m.group(2).getBytes(StandardCharsets.US_ASCII);
        for (SecretKeySpec key : keys) {
            if (MessageDigest.isEqual(given, mac(key, nonce, expires).getBytes(StandardCharsets.US_ASCII))) {
                return clock.instant().getEpochSecond() > expires ? Check.EXPIRED : Check.VALID;
            }
        }
        return Check.INVALID;
    }

    /**
     * Whether the browser's Origin (or, without it, Referer) is the page's own origin. Browsers send Origin with
     * every cross-site POST; under "Referrer-Policy: no-referrer" (Keycloak's pages send it) they send
     * {@code Origin: null} and no Referer even from the page itself, so "null" and no header say nothing: the
     * token decides.
     */
    static boolean fromOwnOrigin(String origin, String referer, URI page) {
        String own = origin(page);
        if (origin != null && !origin.isBlank() && !"null".equals(origin.strip())) {
            return own != null && own.equals(normalized(origin.strip()));
        }
        if (referer != null && !referer.isBlank()) {
            try {
                return own != null && own.equals(origin(new URI(referer.strip())));
            } catch (java.net.URISyntaxException e) {
                return false;
            }
        }
        return true;
    }

    private static String normalized(String origin) {
        try {
            return origin(new URI(origin));
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /** scheme://host[:port], lower case, without the default port. */
    private static String origin(URI uri) {
        if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
            return null;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort =
                port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    private static SecretKeySpec derive(byte[] secret) {
        return new SecretKeySpec(hmac(new SecretKeySpec(secret, MAC), LABEL.getBytes(StandardCharsets.UTF_8)), MAC);
    }

    private static String mac(SecretKeySpec key, String nonce, long expires) {
        byte[] data = (nonce + "." + expires).getBytes(StandardCharsets.US_ASCII);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, data));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(MAC + " is not available", e);
        }
    }
}
