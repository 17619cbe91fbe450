package si.esoseska.keycloak.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import jakarta.ws.rs.core.MultivaluedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.keycloak.models.utils.FormMessage;

/** What the resident can fix on the form without asking the bridge. */
class PayerFormTest {

    private static List<String> errors(PayerForm form) {
        return form.localErrors().stream()
                .map(m -> m.getField() + ":" + m.getMessage())
                .toList();
    }

    @Test
    void completeFormHasNoLocalErrors() {
        assertEquals(List.of(), errors(new PayerForm("staninvest", "100200", "Polozn1ca")));
    }

    @Test
    void emptyFieldsAreEachReportedAtTheirField() {
        assertEquals(
                List.of("payerCode:payerCodeMissing", "billPassword:billPasswordMissing", "managerId:managerMissing"),
                errors(new PayerForm("", "", "")));
    }

    @Test
    void onlyTheEmptyFieldIsReported() {
        assertEquals(List.of("billPassword:billPasswordMissing"), errors(new PayerForm("staninvest", "100200", "")));
    }

    @Test
    void longestAllowedValuesPass() {
        assertEquals(
                List.of(),
                errors(new PayerForm(
                        "m".repeat(PayerForm.MAX_MANAGER_ID),
                        "1".repeat(PayerForm.MAX_PAYER_CODE),
                        "p".repeat(PayerForm.MAX_BILL_PASSWORD))));
    }

    @Test
    void overLongValuesAreReported() {
        assertEquals(
                List.of("payerCode:payerCodeTooLong", "billPassword:billPasswordTooLong", "managerId:managerUnknown"),
                errors(new PayerForm(
                        "m".repeat(PayerForm.MAX_MANAGER_ID + 1),
                        "1".repeat(PayerForm.MAX_PAYER_CODE + 1),
                        "p".repeat(PayerForm.MAX_BILL_PASSWORD + 1))));
    }

    @Test
    void readTrimsAndTreatsMissingFieldsAsEmpty() {
        MultivaluedHashMap<String, String> formData = new MultivaluedHashMap<>();
        formData.putSingle("managerId", " staninvest ");
        formData.putSingle("payerCode", "\t100 200  ");
        PayerForm form = PayerForm.read(formData);
        assertEquals(new PayerForm("staninvest", "100 200", ""), form);
        assertEquals(List.of("billPassword:billPasswordMissing"), errors(form));
    }

    @Test
    void blankFieldsAreMissing() {
        MultivaluedHashMap<String, String> formData = new MultivaluedHashMap<>();
        formData.putSingle("managerId", "   ");
        formData.putSingle("payerCode", "\u2003");
        formData.putSingle("billPassword", " ");
        assertEquals(3, PayerForm.read(formData).localErrors().size());
    }

    @Test
    void aCodeOfOnlyBlanksTheBridgeRemovesIsMissing() {
        assertEquals(
                List.of("payerCode:payerCodeMissing"),
                errors(new PayerForm("staninvest", "\u00a0\u200b\ufeff\u202f", "Polozn1ca")));
    }

    @Test
    void aManagerIdWithAColonIsUnknown() {
        assertEquals(List.of("managerId:managerUnknown"), errors(new PayerForm("stan:invest", "100200", "Polozn1ca")));
    }

    @Test
    void accountUsesTheNormalisedCode() {
        assertEquals("staninvest:100200", new PayerForm("staninvest", "100\u00a0200\u200b", "Polozn1ca").account());
    }

    @Test
    void toStringNeverShowsTheBillPassword() {
        assertFalse(new PayerForm("staninvest", "100200", "Pw-UNIQUE-7731")
                .toString()
                .contains("Pw-UNIQUE-7731"));
    }

    @Test
    void messagesAreThemeKeys() {
        for (FormMessage message : new PayerForm("", "", "").localErrors()) {
            assertFalse(message.getMessage().contains(" "), message.getMessage());
        }
    }
}
