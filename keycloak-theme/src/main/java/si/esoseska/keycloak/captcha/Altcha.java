package si.esoseska.keycloak.captcha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * ALTCHA's proof of work in its v1 form, which the widget 3.x still solves: the challenge is
 * {@code hex(sha256(salt + number))} for a secret number in 0..maxnumber, signed with {@code hex(hmac_sha256(key,
 * challenge))}; the salt carries its expiry ({@code <random>?expires=<unix seconds>}), so the signature covers it.
 * The widget finds the number and posts {@code base64(json{algorithm, challenge, number, salt, signature, took})}.
 * No state here: that a solution is used once is {@link CaptchaProvider}'s job.
 */
public final class Altcha {

    public static final String ALGORITHM = "SHA-256";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    /** More than any payload the widget makes (about 300 bytes): a bigger one is not even decoded. */
    static final int MAX_PAYLOAD = 2048;

    /** What a posted payload is worth; only {@link #SOLVED} lets the form through. */
    public enum Outcome {
        MISSING,
        MALFORMED,
        FORGED,
        EXPIRED,
        SOLVED
    }

    /** The outcome and, for a solved one, its signature: the key under which its single use is recorded. */
    public record Verdict(Outcome outcome, String signature, Instant expires) {
        static Verdict of(Outcome outcome) {
            return new Verdict(outcome, null, null);
        }
    }

    /** A challenge as the widget takes it (JSON in its {@code challenge} attribute). */
    public record Challenge(String challenge, int maxNumber, String salt, String signature) {
        public String toJson() {
            ObjectNode node = JSON.createObjectNode();
            node.put("algorithm", ALGORITHM);
            node.put("challenge", challenge);
            node.put("maxnumber", maxNumber);
            node.put("salt", salt);
            node.put("signature", signature);
            return node.toString();
        }
    }

    private final byte[] key;
    private final RandomGenerator random;

    public Altcha(byte[] key) {
        this(key, new SecureRandom());
    }

    Altcha(byte[] key, RandomGenerator random) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("an ALTCHA key must not be empty");
        }
        this.key = key.clone();
        this.random = random;
    }

    /** A new challenge: a random number in 0..maxNumber to find, good until {@code expires}. */
    public Challenge issue(int maxNumber, Instant expires) {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        String salt = HEX.formatHex(nonce) + "?expires=" + expires.getEpochSecond();
        int number = random.nextInt(maxNumber + 1);
        String challenge = sha256Hex(salt + number);
        return new Challenge(challenge, maxNumber, salt, hmacHex(challenge));
    }

    /** Checks a posted payload at {@code now}: its shape, the work, the signature, the expiry. */
    public Verdict verify(String payload, Instant now) {
        if (payload == null || payload.isBlank()) {
            return Verdict.of(Outcome.MISSING);
        }
        if (payload.length() > MAX_PAYLOAD) {
            return Verdict.of(Outcome.MALFORMED);
        }
        JsonNode node;
        try {
            node = JSON.readTree(Base64.getDecoder().decode(payload.strip()));
        } catch (IllegalArgumentException | IOException e) {
            return Verdict.of(Outcome.MALFORMED);
        }
        if (node == null
                || !node.isObject()
                || !ALGORITHM.equals(text(node, "algorithm"))
                || text(node, "challenge") == null
                || text(node, "salt") == null
                || text(node, "signature") == null
                || !node.path("number").canConvertToLong()
                || !node.path("number").isIntegralNumber()) {
            return Verdict.of(Outcome.MALFORMED);
        }
        String challenge = text(node, "challenge");
        String salt = text(node, "salt");
        String signature = text(node, "signature");
        long number = node.path("number").asLong();
        boolean workDone = number >= 0 && equal(sha256Hex(salt + number), challenge);
        if (!workDone || !equal(hmacHex(challenge), signature)) {
            return Verdict.of(Outcome.FORGED);
        }
        Instant expires = expiresOf(salt);
        if (expires == null) {
            return Verdict.of(Outcome.FORGED); // we sign only salts with an expiry
        }
        if (!now.isBefore(expires)) {
            return Verdict.of(Outcome.EXPIRED);
        }
        return new Verdict(Outcome.SOLVED, signature, expires);
    }

    static Instant expiresOf(String salt) {
        int query = salt.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String parameter : salt.substring(query + 1).split("&")) {
            if (parameter.startsWith("expires=")) {
                try {
                    return Instant.ofEpochSecond(Long.parseLong(parameter.substring("expires=".length())));
                } catch (NumberFormatException | java.time.DateTimeException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(String text) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    String hmacHex(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
