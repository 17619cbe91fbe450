package si.esoseska.keycloak.payer;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.ArrayList;
import java.util.List;
import org.keycloak.models.utils.FormMessage;

/**
 * The payer fields of the registration form (not user-profile attributes: never stored on the user),
 * read from the posted form and checked for presence and size before the bridge is asked.
 */
public record PayerForm(String managerId, String payerCode, String billPassword) {

    public static final String MANAGER_ID = "managerId";
    public static final String PAYER_CODE = "payerCode";
    public static final String BILL_PASSWORD = "billPassword";

    static final int MAX_MANAGER_ID = 64;
    static final int MAX_PAYER_CODE = 64;
    static final int MAX_BILL_PASSWORD = 128;

    public static PayerForm read(MultivaluedMap<String, String> formData) {
        return new PayerForm(
                trimmed(formData.getFirst(MANAGER_ID)),
                trimmed(formData.getFirst(PAYER_CODE)),
                trimmed(formData.getFirst(BILL_PASSWORD)));
    }

    /**
     * Errors a resident can fix without asking the bridge: empty or over-long fields (a payer code of only blanks
     * is empty, by the rule of {@link PayerAccounts#normalizeCode}), a manager id no manager can have.
     */
    public List<FormMessage> localErrors() {
        List<FormMessage> errors = new ArrayList<>();
        check(
                errors,
                PAYER_CODE,
                PayerAccounts.normalizeCode(payerCode).isEmpty() ? "" : payerCode,
                MAX_PAYER_CODE,
                Messages.PAYER_CODE_MISSING,
                Messages.PAYER_CODE_TOO_LONG);
        check(
                errors,
                BILL_PASSWORD,
                billPassword,
                MAX_BILL_PASSWORD,
                Messages.BILL_PASSWORD_MISSING,
                Messages.BILL_PASSWORD_TOO_LONG);
        check(errors, MANAGER_ID, managerId, MAX_MANAGER_ID, Messages.MANAGER_MISSING, Messages.MANAGER_UNKNOWN);
        if (managerId.indexOf(':') >= 0 && managerId.length() <= MAX_MANAGER_ID) {
            errors.add(new FormMessage(MANAGER_ID, Messages.MANAGER_UNKNOWN)); // no manager id holds a ':'
        }
        return errors;
    }

    /** The payer account this form names, as the bridge will link it; only for a form without local errors. */
    public String account() {
        return PayerAccounts.format(managerId, PayerAccounts.normalizeCode(payerCode));
    }

    private static void check(
            List<FormMessage> errors, String field, String value, int max, String missingKey, String tooLongKey) {
        if (value.isEmpty()) {
            errors.add(new FormMessage(field, missingKey));
        } else if (value.length() > max) {
            errors.add(new FormMessage(field, tooLongKey));
        }
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.strip();
    }

    @Override
    public String toString() {
        return "PayerForm[managerId=" + managerId + ", payerCode=" + payerCode + "]";
    }
}
