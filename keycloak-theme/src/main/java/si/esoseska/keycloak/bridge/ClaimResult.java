package si.esoseska.keycloak.bridge;

/** Whether the payer is now linked to the user: yes, or someone else holds it. */
public enum ClaimResult {
    CLAIMED,
    CLAIMED_BY_OTHER
}
