package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import si.esoseska.keycloak.SharedFixtures;

/** The Java half of the signature scheme; the Python bridge (signing.py) checks the same vector. */
class CallbackSignerTest {

    private static JsonNode vector() throws IOException {
        return SharedFixtures.read("signature-vector.json");
    }

    @Test
    void reproducesTheVectorSharedWithTheBridge() throws IOException {
        JsonNode v = vector();
        String body = v.get("body").textValue();
        assertTrue(body.chars().anyMatch(c -> c > 127), "the vector must exercise UTF-8 bodies");

        String header = new CallbackSigner(v.get("secret").textValue())
                .header(
                        v.get("timestamp").longValue(),
                        v.get("method").textValue(),
                        v.get("path").textValue(),
                        body.getBytes(StandardCharsets.UTF_8));

        assertEquals(v.get("header").textValue(), header);
    }

    @Test
    void theVectorSaysWhatIsSigned() throws Exception {
        // the message the scheme defines, spelled out in the vector, MACed here with the JDK alone
        JsonNode v = vector();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(v.get("secret").textValue().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String hex = HexFormat.of()
                .formatHex(mac.doFinal(v.get("signed_message").textValue().getBytes(StandardCharsets.UTF_8)));
        assertEquals(v.get("header").textValue(), "t=" + v.get("timestamp").longValue() + ",v2=" + hex);
        assertEquals(
                v.get("timestamp").asText() + "\n" + v.get("method").textValue() + "\n"
                        + v.get("path").textValue() + "\n" + v.get("body").textValue(),
                v.get("signed_message").textValue());
    }

    @Test
    void signsTheBytesNotTheCharacters() throws IOException {
        JsonNode v = vector();
        byte[] latin2 = v.get("body").textValue().getBytes(java.nio.charset.Charset.forName("ISO-8859-2"));
        String header = new CallbackSigner(v.get("secret").textValue())
                .header(
                        v.get("timestamp").longValue(),
                        v.get("method").textValue(),
                        v.get("path").textValue(),
                        latin2);
        assertNotEquals(v.get("header").textValue(), header);
    }

    @Test
    void headerHasTheTimestampAndAHexHmacOfSchemeV2() {
        String header = new CallbackSigner("secret")
                .header(1700000000L, "POST", "/v1/registrations/verify", "{}".getBytes(StandardCharsets.UTF_8));
        assertTrue(header.matches("t=1700000000,v2=[0-9a-f]{64}"), header);
    }

    @Test
    void anotherTimestampOrMethodOrPathOrBodyOrSecretGivesAnotherSignature() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String path = "/v1/registrations/verify";
        String base = new CallbackSigner("secret").signature(1700000000L, "POST", path, body);
        assertNotEquals(base, new CallbackSigner("secret").signature(1700000001L, "POST", path, body));
        assertNotEquals(base, new CallbackSigner("secret").signature(1700000000L, "PUT", path, body));
        assertNotEquals(base, new CallbackSigner("secret").signature(1700000000L, "POST", "/v1/claims/sync", body));
        assertNotEquals(
                base,
                new CallbackSigner("secret")
                        .signature(1700000000L, "POST", path, "{ }".getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(base, new CallbackSigner("secret2").signature(1700000000L, "POST", path, body));
    }

    @Test
    void aMethodOrPathOutsideTheSchemeIsRefused() {
        CallbackSigner signer = new CallbackSigner("secret");
        byte[] body = new byte[0];
        for (String path : new String[] {"v1/x", "/v1/\nx", "/v1/ž", "/v1/a b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> signer.header(1L, "POST", path, body), path);
        }
        assertThrows(IllegalArgumentException.class, () -> signer.header(1L, "post", "/v1/x", body));
        assertThrows(IllegalArgumentException.class, () -> signer.header(1L, "PO\nST", "/v1/x", body));
    }

    @Test
    void emptySecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new CallbackSigner(""));
        assertThrows(IllegalArgumentException.class, () -> new CallbackSigner(null));
    }
}
