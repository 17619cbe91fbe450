package si.esoseska.keycloak.bridge;

import java.util.List;
import java.util.Map;

/**
 * The bridge's answer to a payer check: verified with a ticket and the attributes to link, or field errors; and
 * whether the bridge asks for a captcha ({@code captcha_required}: it sees a flood of failed checks).
 */
public record VerifyResult(
        boolean verified,
        String ticket,
        Map<String, List<String>> attributes,
        List<FieldError> errors,
        boolean captchaRequired) {

    /** An error at one field, as a stable code (e.g. bill_password / payer_not_verified). */
    public record FieldError(String field, String code) {}

    public static VerifyResult verified(String ticket, Map<String, List<String>> attributes) {
        return new VerifyResult(true, ticket, Map.copyOf(attributes), List.of(), false);
    }

    public static VerifyResult rejected(List<FieldError> errors) {
        return new VerifyResult(false, null, Map.of(), List.copyOf(errors), false);
    }

    /** This answer, with the bridge's request for a captcha. */
    public VerifyResult withCaptchaRequired(boolean required) {
        return new VerifyResult(verified, ticket, attributes, errors, required);
    }
}
