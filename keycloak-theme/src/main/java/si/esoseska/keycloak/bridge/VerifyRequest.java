package si.esoseska.keycloak.bridge;

/** What the form sends to {@code POST /v1/registrations/verify}. The bill password travels only here. */
public record VerifyRequest(
        String managerId, String payerCode, String billPassword, String email, String clientIp, String locale) {

    @Override
    public String toString() {
        // never let the bill password reach a log line through toString()
        return "VerifyRequest[managerId=" + managerId + ", payerCode=" + payerCode + ", email=" + email + "]";
    }
}
