package si.esoseska.keycloak.bridge;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a callback for the bridge, scheme "v2" (the only one the bridge accepts):
 * {@code t=<unix seconds>,v2=<hex HMAC-SHA256(secret, "<t>\n<METHOD>\n<path>\n<body>")>}, where path is the
 * endpoint's path relative to the bridge's base URL (e.g. {@code /v1/registrations/verify}, also when the bridge is
 * mounted under a base path). A call signed for one endpoint is therefore not valid on another.
 * The bridge checks the same scheme (registration_bridge/signing.py); both test against one shared vector.
 */
public final class CallbackSigner {

    public static final String HEADER = "X-Signature";

    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Pattern PATH = Pattern.compile("/[!-~]*");

    private final byte[] secret;

    public CallbackSigner(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the callback secret must not be empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public String header(long unixSeconds, String method, String path, byte[] body) {
        return "t=" + unixSeconds + ",v2=" + signature(unixSeconds, method, path, body);
    }

    String signature(long unixSeconds, String method, String path, byte[] body) {
        if (method == null || !METHOD.matcher(method).matches()) {
            throw new IllegalArgumentException("the method must be in capitals: " + method);
        }
        if (path == null || !PATH.matcher(path).matches()) {
            throw new IllegalArgumentException("the path must be printable ASCII starting with /: " + path);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((unixSeconds + "\n" + method + "\n" + path + "\n").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
