package si.esoseska.keycloak.payer;

import java.util.Map;
import si.esoseska.keycloak.bridge.VerifyResult;

/** Message keys of the theme (messages_sl / messages_en), and how the bridge's stable codes map onto them. */
public final class Messages {

    public static final String PAYER_CODE_MISSING = "payerCodeMissing";
    public static final String PAYER_CODE_TOO_LONG = "payerCodeTooLong";
    public static final String BILL_PASSWORD_MISSING = "billPasswordMissing";
    public static final String BILL_PASSWORD_TOO_LONG = "billPasswordTooLong";
    public static final String MANAGER_MISSING = "managerMissing";
    public static final String MANAGER_UNKNOWN = "managerUnknown";
    public static final String PAYER_NOT_VERIFIED = "payerNotVerified";
    public static final String PAYER_CHECK_UNAVAILABLE = "payerCheckUnavailable";
    public static final String PAYER_CLAIMED_MEANWHILE = "payerClaimedMeanwhile";

    /** Bridge field name → form field name. */
    private static final Map<String, String> FIELDS = Map.of(
            "manager_id", PayerForm.MANAGER_ID,
            "payer_code", PayerForm.PAYER_CODE,
            "bill_password", PayerForm.BILL_PASSWORD);

    private static final Map<String, String> MISSING = Map.of(
            PayerForm.MANAGER_ID, MANAGER_MISSING,
            PayerForm.PAYER_CODE, PAYER_CODE_MISSING,
            PayerForm.BILL_PASSWORD, BILL_PASSWORD_MISSING);

    private Messages() {}

    /** The form field an error of the bridge belongs to (the bill password when it names none we know). */
    public static String formField(VerifyResult.FieldError error) {
        String field =
                error.field(); // may be null: BridgeJson accepts errors without a field, Map.of() rejects null keys
        return field == null ? PayerForm.BILL_PASSWORD : FIELDS.getOrDefault(field, PayerForm.BILL_PASSWORD);
    }

    /** The message key for an error of the bridge; unknown codes read as "not verified", never as a raw code. */
    public static String messageKey(VerifyResult.FieldError error) {
        String field = formField(error);
        return switch (error.code()) {
            case "required" -> MISSING.get(field);
            case "unknown_manager" -> MANAGER_UNKNOWN;
            default -> PAYER_NOT_VERIFIED;
        };
    }
}
