package si.esoseska.keycloak.bridge;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a callback body for the bridge: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>}.
 * The bridge checks the same scheme (registration_bridge/signing.py); both test against one shared vector.
 */
public final class CallbackSigner {

    public static final String HEADER = "X-Signature";

    private final byte[] secret;

    public CallbackSigner(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the callback secret must not be empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public String header(long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + signature(unixSeconds, body);
    }

    String signature(long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
