package si.esoseska.keycloak.managers;

import org.jboss.logging.Logger;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import si.esoseska.keycloak.Unconfigured;

/**
 * Registers {@code esoseska-organization-sync} (created and changed organizations, through admin events) and, for
 * every realm, the deletion of an organization: {@link OrganizationModel.OrganizationRemovedEvent} still holds its
 * alias, which the admin event no longer can; after the deletion committed the bridge disables that manager.
 */
public final class OrganizationSyncListenerFactory
        implements EventListenerProviderFactory, Unconfigured<EventListenerProvider> {

    public static final String PROVIDER_ID = "esoseska-organization-sync";
    private static final Logger LOG = Logger.getLogger(OrganizationSyncListenerFactory.class);

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new OrganizationSyncListener(session);
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        factory.register(event -> {
            if (event instanceof OrganizationModel.OrganizationRemovedEvent removed) {
                onRemoved(factory, removed);
            }
        });
    }

    private static void onRemoved(KeycloakSessionFactory factory, OrganizationModel.OrganizationRemovedEvent event) {
        KeycloakSession session = event.getKeycloakSession();
        if (session == null || event.getOrganization() == null) {
            return;
        }
        RealmModel realm = session.getContext().getRealm();
        if (realm == null || realm.getEventsListenersStream().noneMatch(PROVIDER_ID::equals)) {
            return; // a realm without managers (the listener is not among its event listeners)
        }
        String realmId = realm.getId();
        ManagerUpdate gone = ManagerUpdate.deleted(event.getOrganization());
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                try {
                    KeycloakModelUtils.runJobInTransaction(factory, job -> {
                        job.getContext().setRealm(job.realms().getRealm(realmId));
                        gone.sendTo(job);
                    });
                } catch (RuntimeException e) {
                    LOG.errorf(e, "deleted organization %s not sent to the bridge", gone.alias());
                }
            }

            @Override
            protected void rollbackImpl() {}
        });
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
