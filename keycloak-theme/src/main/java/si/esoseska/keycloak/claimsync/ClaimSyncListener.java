package si.esoseska.keycloak.claimsync;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jboss.logging.Logger;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerTransaction;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.events.admin.OperationType;
import org.keycloak.events.admin.ResourceType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import si.esoseska.keycloak.bridge.BridgeProvider;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.organization.ManagerOrganizations;
import si.esoseska.keycloak.payer.PayerAccounts;
import si.esoseska.keycloak.payer.UserLinks;

/**
 * Keeps the bridge's claims in step with Keycloak, after the change committed: a deleted user (by an admin, or by
 * the user) releases all their payers; an admin who removes a value from {@code payer_accounts} releases that
 * payer, and {@code managers} and the memberships of the managers' organizations follow the payer accounts that
 * remain (a deleted user's memberships go with the user). If the bridge is unreachable the drift is
 * left for {@code registration-bridge reconcile}.
 */
final class ClaimSyncListener implements EventListenerProvider {

    private static final Logger LOG = Logger.getLogger(ClaimSyncListener.class);

    private final KeycloakSessionFactory sessionFactory;
    private final EventListenerTransaction afterCommit =
            new EventListenerTransaction(this::onAdminCommitted, this::onUserEventCommitted);

    ClaimSyncListener(KeycloakSession session) {
        this.sessionFactory = session.getKeycloakSessionFactory();
        session.getTransactionManager().enlistAfterCompletion(afterCommit);
    }

    @Override
    public void onEvent(Event event) {
        if (event.getType() == EventType.DELETE_ACCOUNT && event.getUserId() != null) {
            afterCommit.addEvent(event);
        }
    }

    @Override
    public void onEvent(AdminEvent event, boolean includeRepresentation) {
        if (event.getResourceType() == ResourceType.USER
                && userId(event) != null
                && (event.getOperationType() == OperationType.DELETE
                        || event.getOperationType() == OperationType.UPDATE)) {
            afterCommit.addAdminEvent(event, includeRepresentation);
        }
    }

    private void onUserEventCommitted(Event event) {
        sync(event.getRealmId(), event.getUserId());
    }

    private void onAdminCommitted(AdminEvent event, Boolean includeRepresentation) {
        sync(event.getRealmId(), userId(event));
    }

    /** Sends the user's remaining payer accounts (none when the user is gone) and fixes `managers` to match. */
    private void sync(String realmId, String userId) {
        try {
            KeycloakModelUtils.runJobInTransaction(sessionFactory, job -> {
                RealmModel realm = job.realms().getRealm(realmId);
                job.getContext().setRealm(realm);
                UserModel user = job.users().getUserById(realm, userId);
                List<String> accounts = user == null
                        ? List.of()
                        : user.getAttributeStream(UserLinks.PAYER_ACCOUNTS).toList();
                if (user != null) {
                    Set<String> managers = alignManagers(user, accounts);
                    ManagerOrganizations.leaveOthers(job, user, managers);
                }
                try {
                    job.getProvider(BridgeProvider.class).client().syncClaims(userId, accounts);
                } catch (BridgeUnavailableException e) {
                    LOG.warnf(
                            "claims of user %s not synced with the bridge (run `registration-bridge reconcile`): %s",
                            userId, e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "claims of user %s not synced with the bridge", userId);
        }
    }

    /** Sets {@code managers} to the managers of the payer accounts, and returns them. */
    private static Set<String> alignManagers(UserModel user, List<String> accounts) {
        Set<String> fromAccounts = new TreeSet<>();
        accounts.forEach(account -> PayerAccounts.parse(account).ifPresent(a -> fromAccounts.add(a.managerId())));
        fromAccounts.remove("");
        Set<String> current =
                new TreeSet<>(user.getAttributeStream(UserLinks.MANAGERS).toList());
        if (!current.equals(fromAccounts)) {
            user.setAttribute(UserLinks.MANAGERS, List.copyOf(fromAccounts));
        }
        return fromAccounts;
    }

    /** The user id of an admin event on "users/{id}" (not on sub-resources such as role mappings). */
    static String userId(AdminEvent event) {
        String path = event.getResourcePath();
        if (path == null || !path.startsWith("users/")) {
            return null;
        }
        String rest = path.substring("users/".length());
        return rest.isEmpty() || rest.contains("/") ? null : rest;
    }

    @Override
    public void close() {}
}
