package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RequestIdTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String requestId(byte[] body) throws Exception {
        return JSON.readTree(body).path("request_id").asText("");
    }

    @Test
    @DisplayName(
            "The same form sent twice makes two calls with their own request ids, so the bridge's replay cache does not refuse the second")
    void sameFormTwiceHasTwoRequestIds() throws Exception {
        VerifyRequest form = new VerifyRequest("staninvest", "100200", "Geslo1", "ana@example.si", "127.0.0.1", "sl");
        String first = requestId(BridgeJson.verifyBody(form));
        String second = requestId(BridgeJson.verifyBody(form));
        assertEquals(36, first.length());
        assertNotEquals(first, second);
    }

    @Test
    @DisplayName("Every signed call carries a request id")
    void everySignedBodyHasOne() throws Exception {
        for (byte[] body : List.of(
                BridgeJson.claimBody("t", "u"),
                BridgeJson.claimSyncBody("u", List.of()),
                BridgeJson.inquiryBody(new InquiryRequest("m", "n", "e@x.si", "msg", null, null)))) {
            assertEquals(36, requestId(body).length());
        }
    }
}
