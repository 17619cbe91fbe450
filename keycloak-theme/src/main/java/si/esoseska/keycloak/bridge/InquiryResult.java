package si.esoseska.keycloak.bridge;

import java.util.List;

/** Sent to the manager, refused for its fields, or refused because too many came from the same place. */
public record InquiryResult(Outcome outcome, String managerName, List<VerifyResult.FieldError> errors) {

    public enum Outcome {
        SENT,
        REJECTED,
        RATE_LIMITED
    }
}
