package si.esoseska.keycloak.bridge;

/**
 * An inquiry from the "Povpraševanje" page, for {@code POST /v1/inquiries}; {@code logoUrl} and {@code brandColour}
 * give the manager's mail the manager's look (may be null: the bridge's plain look).
 */
public record InquiryRequest(
        String managerId,
        String name,
        String email,
        String message,
        String clientIp,
        String locale,
        String logoUrl,
        String brandColour) {

    public InquiryRequest(String managerId, String name, String email, String message, String clientIp, String locale) {
        this(managerId, name, email, message, clientIp, locale, null, null);
    }
}
