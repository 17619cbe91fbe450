package si.esoseska.keycloak.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import si.esoseska.keycloak.bridge.VerifyResult.FieldError;

/** The bridge's stable error codes become the theme's sl/en messages, at the right form field. */
class MessagesTest {

    @ParameterizedTest(name = "{0}/{1} -> {2} at {3}")
    @CsvSource({
        "manager_id,    required,           managerMissing,     managerId",
        "payer_code,    required,           payerCodeMissing,   payerCode",
        "bill_password, required,           billPasswordMissing, billPassword",
        "manager_id,    unknown_manager,    managerUnknown,     managerId",
        "bill_password, payer_not_verified, payerNotVerified,   billPassword",
        "payer_code,    payer_not_verified, payerNotVerified,   payerCode",
    })
    void bridgeCodesMapToThemeMessages(String field, String code, String messageKey, String formField) {
        FieldError error = new FieldError(field, code);
        assertEquals(messageKey, Messages.messageKey(error));
        assertEquals(formField, Messages.formField(error));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rate_limited", "something_new", "REQUIRED", ""})
    void unknownCodesReadAsNotVerifiedNeverAsTheRawCode(String code) {
        assertEquals(Messages.PAYER_NOT_VERIFIED, Messages.messageKey(new FieldError("bill_password", code)));
    }

    @Test
    void unknownFieldBelongsToTheBillPassword() {
        FieldError error = new FieldError("email", "payer_not_verified");
        assertEquals(PayerForm.BILL_PASSWORD, Messages.formField(error));
        assertEquals(Messages.PAYER_NOT_VERIFIED, Messages.messageKey(error));
    }

    @Test
    void errorWithoutAFieldBelongsToTheBillPassword() {
        // BridgeJson accepts {"code": ...} without a field; the form must not fail on it.
        FieldError error = new FieldError(null, "payer_not_verified");
        assertEquals(PayerForm.BILL_PASSWORD, Messages.formField(error));
        assertEquals(Messages.PAYER_NOT_VERIFIED, Messages.messageKey(error));
        assertEquals(Messages.BILL_PASSWORD_MISSING, Messages.messageKey(new FieldError(null, "required")));
    }

    private static List<String> messageKeys() throws IllegalAccessException {
        List<String> keys = new ArrayList<>();
        for (Field field : Messages.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                keys.add((String) field.get(null));
            }
        }
        assertFalse(keys.isEmpty());
        return keys;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sl", "en"})
    void everyMessageKeyHasATextInTheTheme(String language) throws IOException, IllegalAccessException {
        String resource = "/theme/esoseska/login/messages/messages_" + language + ".properties";
        Properties messages = new Properties();
        try (InputStream in = MessagesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        for (String key : messageKeys()) {
            String text = messages.getProperty(key);
            assertNotNull(text, key + " is missing in " + resource);
            assertTrue(!text.isBlank(), key + " is empty in " + resource);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "login/messages/messages_sl",
                "login/messages/messages_en",
                "email/messages/messages_sl",
                "email/messages/messages_en"
            })
    void noTextLosesAnApostrophe(String file) throws IOException {
        // Keycloak formats every text with MessageFormat, where a lone ' starts a quote and is not shown
        // ("the payer's name" would read "the payers name"): the files write it as ''
        String resource = "/theme/esoseska/" + file + ".properties";
        Properties messages = new Properties();
        try (InputStream in = MessagesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            messages.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        for (String key : messages.stringPropertyNames()) {
            assertEquals(-1, messages.getProperty(key).replace("''", "").indexOf('\''), key + " in " + resource);
        }
    }
}
