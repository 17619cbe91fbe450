package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BridgeJsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // --- answers of /verify ----------------------------------------------------------------------

    @Test
    void verifiedAnswerCarriesTicketAndAttributes() throws Exception {
        VerifyResult result = BridgeJson.parseVerify(utf8("{\"ok\":true,\"ticket\":\"tkt.1\",\"attributes\":"
                + "{\"managers\":[\"staninvest\"],\"payer_accounts\":[\"staninvest:100200\"]}}"));
        assertTrue(result.verified());
        assertEquals("tkt.1", result.ticket());
        assertEquals(
                Map.of("managers", List.of("staninvest"), "payer_accounts", List.of("staninvest:100200")),
                result.attributes());
        assertTrue(result.errors().isEmpty());
    }

    @Test
    void verifiedAnswerKeepsOnlyTextValuesOfAttributes() throws Exception {
        VerifyResult result = BridgeJson.parseVerify(utf8(
                "{\"ok\":true,\"ticket\":\"t\",\"attributes\":{\"managers\":[\"a\",1,null,{\"x\":\"y\"},\"b\"]}}"));
        assertEquals(List.of("a", "b"), result.attributes().get("managers"));
    }

    @Test
    void rejectedAnswerCarriesTheFieldErrors() throws Exception {
        VerifyResult result = BridgeJson.parseVerify(utf8("{\"ok\":false,\"errors\":["
                + "{\"field\":\"bill_password\",\"code\":\"payer_not_verified\"},"
                + "{\"field\":\"manager_id\",\"code\":\"unknown_manager\"}]}"));
        assertFalse(result.verified());
        assertNull(result.ticket());
        assertEquals(
                List.of(
                        new VerifyResult.FieldError("bill_password", "payer_not_verified"),
                        new VerifyResult.FieldError("manager_id", "unknown_manager")),
                result.errors());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"ok\":true,\"ticket\":\"t\",\"attributes\":{},\"captcha_required\":true} | true",
                "{\"ok\":false,\"errors\":[{\"code\":\"x\"}],\"captcha_required\":true} | true",
                "{\"ok\":false,\"errors\":[{\"code\":\"x\"}],\"captcha_required\":false} | false",
                "{\"ok\":false,\"errors\":[{\"code\":\"x\"}],\"captcha_required\":\"yes\"} | false",
                "{\"ok\":false,\"errors\":[{\"code\":\"x\"}]} | false"
            })
    void theBridgesRequestForACaptchaIsReadFromEitherAnswer(String answer, boolean required) throws Exception {
        assertEquals(required, BridgeJson.parseVerify(utf8(answer)).captchaRequired());
    }

    @Test
    void rejectedAnswerMayLeaveTheFieldOut() throws Exception {
        VerifyResult result = BridgeJson.parseVerify(utf8("{\"ok\":false,\"errors\":[{\"code\":\"rate_limited\"}]}"));
        assertEquals(List.of(new VerifyResult.FieldError(null, "rate_limited")), result.errors());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json",
                "<html>502 Bad Gateway</html>",
                "[]",
                "\"ok\"",
                "null",
                "{}",
                "{\"ok\":\"true\",\"ticket\":\"t\"}",
                "{\"ok\":1}",
                "{\"ok\":true}",
                "{\"ok\":true,\"ticket\":\"\"}",
                "{\"ok\":true,\"ticket\":7}",
                "{\"ok\":false}",
                "{\"ok\":false,\"errors\":[]}",
                "{\"ok\":false,\"errors\":[{\"field\":\"bill_password\"}]}",
                "{\"ok\":true,\"ticket\":\"t\"",
            })
    void malformedVerifyAnswerMeansTheBridgeIsUnavailable(String answer) {
        assertThrows(BridgeUnavailableException.class, () -> BridgeJson.parseVerify(utf8(answer)));
    }

    // --- answers of /v1/managers ----------------------------------------------------------------

    @Test
    void managersKeepTheBridgeOrder() throws Exception {
        List<ManagerOption> managers = BridgeJson.parseManagers(
                utf8(
                        "{\"managers\":["
                                + "{\"id\":\"zz\",\"name\":\"Agencija Dom\"},{\"id\":\"staninvest\",\"name\":\"Staninvest d.o.o.\"}]}"));
        assertEquals(
                List.of(new ManagerOption("zz", "Agencija Dom"), new ManagerOption("staninvest", "Staninvest d.o.o.")),
                managers);
    }

    @Test
    void managersWithoutIdOrNameAreSkipped() throws Exception {
        List<ManagerOption> managers = BridgeJson.parseManagers(
                utf8(
                        "{\"managers\":["
                                + "{\"id\":\"a\"},{\"name\":\"B\"},{\"id\":3,\"name\":\"C\"},{\"id\":\"d\",\"name\":\"Dom Čebelica\"}]}"));
        assertEquals(List.of(new ManagerOption("d", "Dom Čebelica")), managers);
    }

    @Test
    void noManagersIsAnEmptyList() throws Exception {
        assertEquals(List.of(), BridgeJson.parseManagers(utf8("{\"managers\":[]}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nonsense", "[]", "{}", "{\"managers\":{}}", "{\"managers\":\"staninvest\"}"})
    void malformedManagersAnswerMeansTheBridgeIsUnavailable(String answer) {
        assertThrows(BridgeUnavailableException.class, () -> BridgeJson.parseManagers(utf8(answer)));
    }

    // --- answers of /v1/inquiries ---------------------------------------------------------------

    @Test
    void acceptedInquiryIsSentToTheNamedManager() throws Exception {
        InquiryResult result =
                BridgeJson.parseInquiry(202, utf8("{\"ok\":true,\"manager_name\":\"Staninvest d.o.o.\"}"));
        assertEquals(new InquiryResult(InquiryResult.Outcome.SENT, "Staninvest d.o.o.", List.of()), result);
    }

    @Test
    void acceptedInquiryWithoutAManagerNameIsStillSent() throws Exception {
        InquiryResult result = BridgeJson.parseInquiry(202, utf8("{\"ok\":true}"));
        assertEquals(InquiryResult.Outcome.SENT, result.outcome());
        assertNull(result.managerName());
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {400, 200}) // 400 since the bridge answers field errors so; 200 from bridges before
    void refusedInquiryCarriesTheFieldErrors(int status) throws Exception {
        InquiryResult result = BridgeJson.parseInquiry(
                status,
                utf8("{\"ok\":false,\"errors\":["
                        + "{\"field\":\"email\",\"code\":\"invalid_email\"},"
                        + "{\"field\":\"manager_id\",\"code\":\"no_inquiries\"},"
                        + "{\"field\":\"message\"}]}"));
        assertEquals(InquiryResult.Outcome.REJECTED, result.outcome());
        assertEquals(
                List.of(
                        new VerifyResult.FieldError("email", "invalid_email"),
                        new VerifyResult.FieldError("manager_id", "no_inquiries")),
                result.errors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"error\":\"rate_limited\"}", "", "<html>Too Many Requests</html>"})
    void status429IsRateLimitedWhateverTheBody(String answer) throws Exception {
        assertEquals(
                new InquiryResult(InquiryResult.Outcome.RATE_LIMITED, null, List.of()),
                BridgeJson.parseInquiry(429, utf8(answer)));
    }

    @ParameterizedTest(name = "HTTP {0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "503 | {\"error\":\"mail_unavailable\"}",
                "401 | {\"error\":\"invalid_signature\"}",
                "400 | {\"error\":\"invalid_request\",\"problems\":[\"unknown field\"]}",
                "500 | <html>Internal Server Error</html>",
                "502 | ''",
                "200 | {\"ok\":true,\"manager_name\":\"Staninvest d.o.o.\"}",
                "202 | {\"ok\":false,\"errors\":[{\"field\":\"email\",\"code\":\"invalid_email\"}]}",
                "202 | ''",
                "202 | []",
                "200 | {}",
                "200 | {\"ok\":false}",
                "200 | {\"ok\":false,\"errors\":[]}",
                "200 | {\"ok\":false,\"errors\":[{\"field\":\"email\"}]}",
            })
    void anyOtherInquiryAnswerMeansTheBridgeIsUnavailable(int status, String answer) {
        assertThrows(BridgeUnavailableException.class, () -> BridgeJson.parseInquiry(status, utf8(answer)));
    }

    // --- request bodies --------------------------------------------------------------------------

    private static JsonNode tree(byte[] body) throws IOException {
        return MAPPER.readTree(body);
    }

    /** The fields a body carries for its call; "request_id", which every signed call may carry, is left out. */
    private static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        names.remove("request_id");
        return names;
    }

    @Test
    void verifyBodyHasEveryFieldThatIsGiven() throws Exception {
        JsonNode body = tree(BridgeJson.verifyBody(
                new VerifyRequest("staninvest", "100 200", "Šifra-č", "ana@example.si", "198.51.100.7", "sl")));
        assertEquals(Set.of("manager_id", "payer_code", "bill_password", "email", "client_ip", "locale"), names(body));
        assertEquals("staninvest", body.get("manager_id").textValue());
        assertEquals("100 200", body.get("payer_code").textValue());
        assertEquals("Šifra-č", body.get("bill_password").textValue());
        assertEquals("ana@example.si", body.get("email").textValue());
        assertEquals("198.51.100.7", body.get("client_ip").textValue());
        assertEquals("sl", body.get("locale").textValue());
    }

    @Test
    void verifyBodyLeavesOutOptionalFieldsThatAreMissing() throws Exception {
        JsonNode body = tree(BridgeJson.verifyBody(new VerifyRequest("staninvest", "100200", "pw", null, "", null)));
        assertEquals(Set.of("manager_id", "payer_code", "bill_password"), names(body));
    }

    @Test
    void verifyBodyNeverOmitsARequiredField() throws Exception {
        // The bridge answers a missing or null required field with 400, which the form can only show as
        // "try again later"; an empty string gets the field's own "required" message instead.
        JsonNode body = tree(BridgeJson.verifyBody(new VerifyRequest(null, null, null, null, null, null)));
        for (String field : List.of("manager_id", "payer_code", "bill_password")) {
            assertTrue(body.hasNonNull(field), field);
            assertTrue(body.get(field).isTextual(), field);
        }
    }

    @Test
    void billPasswordAppearsOnlyUnderItsKey() throws Exception {
        String password = "Pw-UNIQUE-7731";
        byte[] raw = BridgeJson.verifyBody(
                new VerifyRequest("staninvest", "100200", password, "ana@example.si", "198.51.100.7", "sl"));
        String text = new String(raw, StandardCharsets.UTF_8);
        assertEquals(text.indexOf(password), text.lastIndexOf(password), "the password is in the body once");
        JsonNode body = tree(raw);
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("bill_password")) {
                assertFalse(body.get(name).asText().contains(password), name);
            }
        });
        assertEquals(password, body.get("bill_password").textValue());
    }

    @Test
    void verifyRequestToStringHidesTheBillPassword() {
        String text = new VerifyRequest("staninvest", "100200", "Pw-UNIQUE-7731", "a@b.si", null, null).toString();
        assertFalse(text.contains("Pw-UNIQUE-7731"), text);
        assertTrue(text.contains("100200"), text);
    }

    @Test
    void verifyBodyEscapesQuotesSoNoFieldCanBeInjected() throws Exception {
        JsonNode body = tree(BridgeJson.verifyBody(
                new VerifyRequest("staninvest", "1\",\"manager_id\":\"evil", "pw", null, null, null)));
        assertEquals("staninvest", body.get("manager_id").textValue());
        assertEquals("1\",\"manager_id\":\"evil", body.get("payer_code").textValue());
    }

    @Test
    void inquiryBodyHasEveryFieldThatIsGiven() throws Exception {
        JsonNode body = tree(BridgeJson.inquiryBody(new InquiryRequest(
                "staninvest",
                "Žiga Čeč",
                "ziga@example.si",
                "Pozdravljeni,\r\nkdaj bo obračun?",
                "198.51.100.7",
                "sl")));
        assertEquals(Set.of("manager_id", "name", "email", "message", "client_ip", "locale"), names(body));
        assertEquals("staninvest", body.get("manager_id").textValue());
        assertEquals("Žiga Čeč", body.get("name").textValue());
        assertEquals("ziga@example.si", body.get("email").textValue());
        assertEquals("Pozdravljeni,\r\nkdaj bo obračun?", body.get("message").textValue());
        assertEquals("198.51.100.7", body.get("client_ip").textValue());
        assertEquals("sl", body.get("locale").textValue());
    }

    @Test
    void inquiryBodyLeavesOutOptionalFieldsThatAreMissing() throws Exception {
        JsonNode body = tree(BridgeJson.inquiryBody(
                new InquiryRequest("staninvest", "Ana", "ana@example.si", "Vprašanje", "", null)));
        assertEquals(Set.of("manager_id", "name", "email", "message"), names(body));
    }

    @Test
    void inquiryBodyNeverOmitsARequiredField() throws Exception {
        // a missing or null required field is a 400 at the bridge; an empty string gets the field's "required"
        JsonNode body = tree(BridgeJson.inquiryBody(new InquiryRequest(null, null, null, null, null, null)));
        for (String field : List.of("manager_id", "name", "email", "message")) {
            assertTrue(body.hasNonNull(field), field);
            assertEquals("", body.get(field).textValue(), field);
        }
    }

    @Test
    void inquiryBodyEscapesQuotesSoNoFieldCanBeInjected() throws Exception {
        JsonNode body = tree(BridgeJson.inquiryBody(
                new InquiryRequest("staninvest", "Ana\",\"manager_id\":\"evil", "ana@example.si", "\"}", null, null)));
        assertEquals("staninvest", body.get("manager_id").textValue());
        assertEquals("Ana\",\"manager_id\":\"evil", body.get("name").textValue());
        assertEquals("\"}", body.get("message").textValue());
    }

    @Test
    void claimBodyHasTicketAndUserId() throws Exception {
        JsonNode body = tree(BridgeJson.claimBody("tkt.1", "0b7c-user"));
        assertEquals(Set.of("ticket", "user_id"), names(body));
        assertEquals("tkt.1", body.get("ticket").textValue());
        assertEquals("0b7c-user", body.get("user_id").textValue());
    }
}
