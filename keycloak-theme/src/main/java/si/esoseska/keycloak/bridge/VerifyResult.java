package si.esoseska.keycloak.bridge;

import java.util.List;
import java.util.Map;

/**
 * The bridge's answer to a payer check: verified with a ticket and the attributes to link, or field errors.
 */
public record VerifyResult(
        boolean verified, String ticket, Map<String, List<String>> attributes, List<FieldError> errors) {

    /** An error at one field, as a stable code (e.g. bill_password / payer_not_verified). */
    public record FieldError(String field, String code) {}

    public static VerifyResult verified(String ticket, Map<String, List<String>> attributes) {
        return new VerifyResult(true, ticket, Map.copyOf(attributes), List.of());
    }

    public static VerifyResult rejected(List<FieldError> errors) {
        return new VerifyResult(false, null, Map.of(), List.copyOf(errors));
    }
}
