package si.esoseska.keycloak.inquiry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.core.MultivaluedHashMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.keycloak.models.utils.FormMessage;

/** What a visitor can fix on the "Povpraševanje" page before the bridge is asked. */
class InquiryFormTest {

    private static final String EMAIL_DOMAIN = "@example.si";

    private static InquiryForm form(String name, String email, String managerId, String message) {
        return new InquiryForm(name, email, managerId, message, false);
    }

    private static InquiryForm complete() {
        return form("Ana Novak", "ana@example.si", "staninvest", "Kdaj bo letni obračun?");
    }

    private static List<String> errors(InquiryForm form) {
        return form.errors().stream()
                .map(m -> m.getField() + ":" + m.getMessage())
                .toList();
    }

    private static MultivaluedHashMap<String, String> formData(String... pairs) {
        MultivaluedHashMap<String, String> data = new MultivaluedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            data.putSingle(pairs[i], pairs[i + 1]);
        }
        return data;
    }

    @Test
    void completeFormHasNoErrors() {
        assertEquals(List.of(), errors(complete()));
    }

    @Test
    void emptyFormReportsEveryFieldAtItsPlace() {
        assertEquals(
                List.of(
                        "name:inquiryNameMissing",
                        "email:inquiryEmailInvalid",
                        "managerId:managerMissing",
                        "message:inquiryMessageMissing"),
                errors(form("", "", "", "")));
    }

    @Test
    void onlyTheFieldThatIsWrongIsReported() {
        assertEquals(
                List.of("managerId:managerMissing"),
                errors(form("Ana Novak", "ana@example.si", "", "Kdaj bo letni obračun?")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ana",
                "ana@",
                "ana@example",
                "@example.si",
                "ana novak@example.si",
                "ana@example .si",
                "ana@@example.si",
                "ana@example.si, bojan@example.si"
            })
    void somethingThatIsNotAnAddressIsAnInvalidEmail(String email) {
        assertEquals(List.of("email:inquiryEmailInvalid"), errors(form("Ana Novak", email, "staninvest", "Vprašanje")));
    }

    @Test
    void longestAllowedValuesPass() {
        String email = "a".repeat(InquiryForm.MAX_EMAIL - EMAIL_DOMAIN.length()) + EMAIL_DOMAIN;
        assertEquals(InquiryForm.MAX_EMAIL, email.length());
        assertEquals(
                List.of(),
                errors(form(
                        "n".repeat(InquiryForm.MAX_NAME), email, "staninvest", "č".repeat(InquiryForm.MAX_MESSAGE))));
    }

    @Test
    void overLongValuesAreReported() {
        String email = "a".repeat(InquiryForm.MAX_EMAIL + 1 - EMAIL_DOMAIN.length()) + EMAIL_DOMAIN;
        assertEquals(
                List.of("name:inquiryNameTooLong", "email:inquiryEmailInvalid", "message:inquiryMessageTooLong"),
                errors(form(
                        "n".repeat(InquiryForm.MAX_NAME + 1),
                        email,
                        "staninvest",
                        "č".repeat(InquiryForm.MAX_MESSAGE + 1))));
    }

    @Test
    void theTooLongMessageSaysHowLongItMayBe() {
        FormMessage tooLong = form("Ana", "ana@example.si", "staninvest", "x".repeat(InquiryForm.MAX_MESSAGE + 1))
                .errors()
                .get(0);
        assertEquals("inquiryMessageTooLong", tooLong.getMessage());
        assertArrayEquals(new Object[] {2000}, tooLong.getParameters());
    }

    @Test
    void readTrimsTheFieldsAndTreatsMissingOnesAsEmpty() {
        InquiryForm form = InquiryForm.read(formData(
                "name",
                "  Ana Novak ",
                "email",
                " ana@example.si\t",
                "message",
                "\n Pozdravljeni,\r\nkdaj bo obračun? \n"));
        assertEquals(
                new InquiryForm("Ana Novak", "ana@example.si", "", "Pozdravljeni,\nkdaj bo obračun?", false), form);
        assertEquals(List.of("managerId:managerMissing"), errors(form));
    }

    @Test
    void aMessageAtThePagesLimitWithLineBreaksIsNotTooLong() {
        // the browser counts a line break once (maxlength) but sends it as CRLF
        String atTheLimit = ("x".repeat(99) + "\r\n").repeat(20).substring(0, 2000 + 19);
        InquiryForm form = InquiryForm.read(
                formData("name", "Ana", "email", "ana@example.si", "managerId", "staninvest", "message", atTheLimit));
        assertEquals(List.of(), errors(form));
    }

    @Test
    void addressesThatWouldSplitAMailHeaderAreRefused() {
        for (String address : List.of("x,y@evil.com", "a<b@x.si", "\"a\"@x.si", "ana novak@x.si", "žan@primer.si")) {
            assertEquals(
                    List.of("email:inquiryEmailInvalid"),
                    errors(form("Ana", address, "staninvest", "Sporočilo")),
                    address);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Čč, evil@attacker.example",
                "Ana; evil@attacker.example",
                "Ana <evil@attacker.example>",
                "\"Ana\" <evil@attacker.example>",
                "Ana: evil@attacker.example;",
                "=?utf-8?q?Ana=2C_evil=40attacker.example?=",
                "Ana\r\nBcc: victim@example.si",
                "Ana\nNovak",
                "Ana\u2028Novak",
                "Ana\u2029Novak",
                "Ana\u0085Novak",
                "Ana\u0000Novak",
                "Ana\tNovak",
                "Ana\u001b[31m",
                "Ana\u007fNovak",
                "Ana\u202eNovak",
                "Ana\u200bNovak",
                "evil@attacker.example",
                "Ana\\Novak",
                "Ana 😀"
            })
    void aNameThatCouldSplitOrSpoofTheReplyToIsInvalid(String name) {
        assertEquals(
                List.of("name:inquiryNameInvalid"), errors(form(name, "ana@example.si", "staninvest", "Vprašanje")));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Ana Novak",
                "Žiga Čeč",
                "Jean-Luc O’Brien",
                "Ana (Staninvest)",
                "Novak & Novak",
                "Dr. Ana Marija Novak-Kranjc",
                "José Ñúñez",
                "Ана Новак",
                "李小龍",
                "Ana\u00a0Novak",
                "Ana 2.",
                "O'Brien/Novak"
            })
    void realNamesAreValid(String name) {
        assertEquals(List.of(), errors(form(name, "ana@example.si", "staninvest", "Vprašanje")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Vprašanje\u0000", "Vprašanje\u001b[31m", "Vprašanje\u007f", "a\u000bb"})
    void aMessageWithControlCharactersIsInvalid(String message) {
        assertEquals(
                List.of("message:inquiryMessageInvalid"), errors(form("Ana", "ana@example.si", "staninvest", message)));
    }

    @Test
    void aMessageMayHaveLineBreaksAndTabs() {
        assertEquals(List.of(), errors(form("Ana", "ana@example.si", "staninvest", "Vrstica 1\n\tVrstica 2\u2028")));
    }

    @ParameterizedTest(name = "{0}/{1} -> {2} at {3}")
    @org.junit.jupiter.params.provider.CsvSource({
        "name,       invalid_characters, inquiryNameInvalid,        name",
        "name,       too_long,           inquiryNameTooLong,        name",
        "name,       required,           inquiryNameMissing,        name",
        "name,       something_new,      inquiryNameInvalid,        name",
        "message,    too_long,           inquiryMessageTooLong,     message",
        "message,    required,           inquiryMessageMissing,     message",
        "email,      invalid_email,      inquiryEmailInvalid,       email",
        "email,      required,           inquiryFieldMissing,       email",
        "manager_id, unknown_manager,    managerUnknown,            managerId",
        "manager_id, no_inquiries,       inquiryManagerNoInquiries, managerId",
        "manager_id, something_new,      inquiryFieldInvalid,       managerId",
    })
    void theBridgesFieldErrorsAreShownAtTheirFields(String field, String code, String key, String formField) {
        FormMessage message =
                InquiryResource.fieldMessage(new si.esoseska.keycloak.bridge.VerifyResult.FieldError(field, code));
        assertEquals(key, message.getMessage());
        assertEquals(formField, message.getField());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sl", "en"})
    void theNewMessagesHaveTexts(String language) throws IOException {
        Properties messages = new Properties();
        messages.load(
                new StringReader(resource("/theme/esoseska/login/messages/messages_" + language + ".properties")));
        for (String key :
                List.of("inquiryNameInvalid", "inquiryMessageInvalid", "inquiryFieldInvalid", "inquiryFormExpired")) {
            String text = messages.getProperty(key);
            assertNotNull(text, key + " is missing in messages_" + language);
            // Keycloak formats messages with MessageFormat: a lone ' would swallow the rest of the text
            assertEquals(text.replace("''", "").indexOf('\''), -1, key);
        }
    }

    @Test
    void thePageSendsTheCsrfToken() throws IOException {
        assertTrue(resource("/theme/esoseska/login/inquiry.ftl").contains("name=\"" + InquiryCsrf.FIELD + "\""));
    }

    @Test
    void blankFieldsAreMissing() {
        InquiryForm form =
                InquiryForm.read(formData("name", "   ", "email", " ", "managerId", "\u2003", "message", " \r\n\t "));
        assertEquals(4, form.errors().size());
    }

    @Test
    void readOfNoFormIsAnEmptyForm() {
        assertEquals(new InquiryForm("", "", "", "", false), InquiryForm.read(null));
    }

    @Test
    void filledInHoneypotMeansARobot() {
        InquiryForm form = InquiryForm.read(formData(
                "name",
                "Ana Novak",
                "email",
                "ana@example.si",
                "managerId",
                "staninvest",
                "message",
                "Vprašanje",
                "website",
                "http://spam.example"));
        assertTrue(form.fromRobot());
    }

    @Test
    void emptyOrMissingHoneypotMeansAPerson() {
        assertFalse(
                InquiryForm.read(formData("name", "Ana Novak", "website", "")).fromRobot());
        assertFalse(
                InquiryForm.read(formData("name", "Ana Novak", "website", "  ")).fromRobot());
        assertFalse(InquiryForm.read(formData("name", "Ana Novak")).fromRobot());
    }

    // --- the page and its messages -------------------------------------------------------------------

    private static String resource(String path) throws IOException {
        try (InputStream in = InquiryFormTest.class.getResourceAsStream(path)) {
            assertNotNull(in, path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int maxLengthOnThePage(String page, String field) {
        Matcher m = Pattern.compile("name=\"" + field + "\"[^>]*?maxlength=\"(\\d+)\"")
                .matcher(page);
        assertTrue(m.find(), "no maxlength for " + field);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void thePageSendsTheFieldsTheFormReads() throws IOException {
        String page = resource("/theme/esoseska/login/inquiry.ftl");
        for (String field : List.of(
                InquiryForm.NAME,
                InquiryForm.EMAIL,
                InquiryForm.MANAGER_ID,
                InquiryForm.MESSAGE,
                InquiryForm.HONEYPOT)) {
            assertTrue(page.contains("name=\"" + field + "\""), field + " is not a field of inquiry.ftl");
        }
    }

    @Test
    void thePageLimitsTheFieldsAsTheFormDoes() throws IOException {
        String page = resource("/theme/esoseska/login/inquiry.ftl");
        assertEquals(InquiryForm.MAX_NAME, maxLengthOnThePage(page, InquiryForm.NAME));
        assertEquals(InquiryForm.MAX_EMAIL, maxLengthOnThePage(page, InquiryForm.EMAIL));
        assertEquals(InquiryForm.MAX_MESSAGE, maxLengthOnThePage(page, InquiryForm.MESSAGE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sl", "en"})
    void everyErrorOfTheFormHasAText(String language) throws IOException {
        Properties messages = new Properties();
        messages.load(
                new StringReader(resource("/theme/esoseska/login/messages/messages_" + language + ".properties")));
        InquiryForm empty = form("", "", "", "");
        InquiryForm tooLong = form(
                "n".repeat(InquiryForm.MAX_NAME + 1),
                "ana@example.si",
                "staninvest",
                "x".repeat(InquiryForm.MAX_MESSAGE + 1));
        for (FormMessage error : List.of(empty.errors(), tooLong.errors()).stream()
                .flatMap(List::stream)
                .toList()) {
            String text = messages.getProperty(error.getMessage());
            assertNotNull(text, error.getMessage() + " is missing in messages_" + language);
            assertFalse(text.isBlank(), error.getMessage());
        }
    }

    @Test
    void messagesAreThemeKeys() {
        for (FormMessage message : form("", "", "", "").errors()) {
            assertFalse(message.getMessage().contains(" "), message.getMessage());
        }
    }
}
