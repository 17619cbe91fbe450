package si.esoseska.keycloak.managers;

import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import si.esoseska.keycloak.bridge.BridgeProvider;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;

/** What the bridge keeps of an organization: the manager keyed by its alias. */
record ManagerUpdate(String alias, String name, String contactEmail, boolean enabled) {

    private static final Logger LOG = Logger.getLogger(ManagerUpdate.class);

    /** The organization attribute with the address inquiries ("Povpraševanje") go to. */
    static final String CONTACT_EMAIL = "contactEmail";

    static ManagerUpdate of(OrganizationModel org) {
        return new ManagerUpdate(org.getAlias(), org.getName(), contactEmail(org), org.isEnabled());
    }

    /**
     * The manager of a deleted organization: disabled, without an address (its attributes went with it); the bridge
     * keeps its payers and claims.
     */
    static ManagerUpdate deleted(OrganizationModel org) {
        return new ManagerUpdate(org.getAlias(), org.getName(), null, false);
    }

    static String contactEmail(OrganizationModel org) {
        List<String> values =
                org.getAttributes() == null ? null : org.getAttributes().get(CONTACT_EMAIL);
        if (values == null) {
            return null;
        }
        return values.stream()
                .filter(v -> v != null && !v.isBlank())
                .map(String::strip)
                .findFirst()
                .orElse(null);
    }

    /** Sends it with the session's bridge client; a failure is logged, and left for sync-managers. */
    void sendTo(KeycloakSession session) {
        try {
            session.getProvider(BridgeProvider.class).client().putManager(alias, name, contactEmail, enabled);
            LOG.infof("manager %s sent to the bridge (enabled=%s)", alias, enabled);
        } catch (BridgeUnavailableException e) {
            LOG.warnf(
                    "manager %s not sent to the bridge (run `registration-bridge sync-managers`): %s",
                    alias, e.getMessage());
        }
    }
}
