package si.esoseska.keycloak;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The test vectors in tests/fixtures/ that the Java and the Python halves of a rule both check. */
public final class SharedFixtures {

    private SharedFixtures() {}

    public static JsonNode read(String fileName) throws IOException {
        String dir = System.getProperty("fixtures.dir");
        assertNotNull(dir, "surefire must set fixtures.dir (see pom.xml)");
        return new ObjectMapper().readTree(Files.readAllBytes(Path.of(dir, fileName)));
    }
}
