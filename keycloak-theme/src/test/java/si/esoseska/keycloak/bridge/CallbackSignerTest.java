package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Java half of the signature scheme; the Python bridge (signing.py) checks the same vector. */
class CallbackSignerTest {

    private static JsonNode vector() throws IOException {
        String dir = System.getProperty("fixtures.dir");
        assertNotNull(dir, "surefire must set fixtures.dir (see pom.xml)");
        return new ObjectMapper().readTree(Files.readAllBytes(Path.of(dir, "signature-vector.json")));
    }

    @Test
    void reproducesTheVectorSharedWithTheBridge() throws IOException {
        JsonNode v = vector();
        String body = v.get("body").textValue();
        assertTrue(body.chars().anyMatch(c -> c > 127), "the vector must exercise UTF-8 bodies");

        String header = new CallbackSigner(v.get("secret").textValue())
                .header(v.get("timestamp").longValue(), body.getBytes(StandardCharsets.UTF_8));

        assertEquals(v.get("header").textValue(), header);
    }

    @Test
    void signsTheBytesNotTheCharacters() throws IOException {
        JsonNode v = vector();
        byte[] latin2 = v.get("body").textValue().getBytes(java.nio.charset.Charset.forName("ISO-8859-2"));
        String header = new CallbackSigner(v.get("secret").textValue()).header(v.get("timestamp").longValue(), latin2);
        assertNotEquals(v.get("header").textValue(), header);
    }

    @Test
    void headerHasTheTimestampAndAHexHmac() {
        String header = new CallbackSigner("secret").header(1700000000L, "{}".getBytes(StandardCharsets.UTF_8));
        assertTrue(header.matches("t=1700000000,v1=[0-9a-f]{64}"), header);
    }

    @Test
    void anotherTimestampOrBodyOrSecretGivesAnotherSignature() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String base = new CallbackSigner("secret").signature(1700000000L, body);
        assertNotEquals(base, new CallbackSigner("secret").signature(1700000001L, body));
        assertNotEquals(base, new CallbackSigner("secret").signature(1700000000L, "{ }".getBytes(StandardCharsets.UTF_8)));
        assertNotEquals(base, new CallbackSigner("secret2").signature(1700000000L, body));
    }

    @Test
    void emptySecretIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new CallbackSigner(""));
        assertThrows(IllegalArgumentException.class, () -> new CallbackSigner(null));
    }
}
