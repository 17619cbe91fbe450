package si.esoseska.keycloak.managers;

import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerTransaction;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.organization.OrganizationProvider;

/**
 * Tells the bridge about an organization (a manager) that an admin created or changed in the console or the admin
 * REST API, after the change committed: the bridge keeps its manager row (alias, name, contact address, enabled) in
 * step. A deleted organization is handled by {@link OrganizationSyncListenerFactory} (no admin event carries its
 * alias). If the bridge is unreachable the change waits for {@code registration-bridge sync-managers}.
 */
final class OrganizationSyncListener implements EventListenerProvider {

    private static final Logger LOG = Logger.getLogger(OrganizationSyncListener.class);

    private final KeycloakSessionFactory sessionFactory;
    private final EventListenerTransaction afterCommit = new EventListenerTransaction(this::onCommitted, null);

    OrganizationSyncListener(KeycloakSession session) {
        this.sessionFactory = session.getKeycloakSessionFactory();
        session.getTransactionManager().enlistAfterCompletion(afterCommit);
    }

    @Override
    public void onEvent(Event event) {}

    @Override
    public void onEvent(AdminEvent event, boolean includeRepresentation) {
        if (event.getResourceType() == ResourceType.ORGANIZATION
                && (event.getOperationType() == OperationType.CREATE
                        || event.getOperationType() == OperationType.UPDATE)
                && organizationId(event.getResourcePath()) != null) {
            afterCommit.addAdminEvent(event, includeRepresentation);
        }
    }

    private void onCommitted(AdminEvent event, Boolean includeRepresentation) {
        String orgId = organizationId(event.getResourcePath());
        try {
            KeycloakModelUtils.runJobInTransaction(sessionFactory, job -> {
                RealmModel realm = job.realms().getRealm(event.getRealmId());
                job.getContext().setRealm(realm);
                OrganizationModel org =
                        job.getProvider(OrganizationProvider.class).getById(orgId);
                if (org != null) {
                    ManagerUpdate.of(org).sendTo(job);
                }
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "organization %s not sent to the bridge (run `registration-bridge sync-managers`)", orgId);
        }
    }

    /** The id of an admin event on "organizations/{id}" (not on members, groups or identity providers). */
    static String organizationId(String path) {
        if (path == null || !path.startsWith("organizations/")) {
            return null;
        }
        String rest = path.substring("organizations/".length());
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }

    @Override
    public void close() {}
}
