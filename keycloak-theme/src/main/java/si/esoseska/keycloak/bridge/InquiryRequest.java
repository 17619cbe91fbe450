package si.esoseska.keycloak.bridge;

/** An inquiry from the "Povpraševanje" page, for {@code POST /v1/inquiries}. */
public record InquiryRequest(
        String managerId, String name, String email, String message, String clientIp, String locale) {}
