package si.esoseska.keycloak.mail;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.email.EmailException;
import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.events.Event;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerTransaction;
import org.keycloak.events.EventType;
import org.keycloak.events.admin.AdminEvent;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Sends the "account activated" e-mail once a resident's e-mail verification has committed (not before: a
 * verification that rolls back sends nothing). Sent once per account; the time is kept on the user.
 */
final class AccountActivatedMailListener implements EventListenerProvider {

    static final String SENT_AT = "account_activated_mail_at";
    static final String SUBJECT_KEY = "accountActivatedSubject";
    static final String TEMPLATE = "account-activated.ftl";

    private static final Logger LOG = Logger.getLogger(AccountActivatedMailListener.class);

    private final KeycloakSession session;
    private final KeycloakSessionFactory sessionFactory;
    private final EventListenerTransaction afterCommit = new EventListenerTransaction(null, this::sendMail);

    AccountActivatedMailListener(KeycloakSession session) {
        this.session = session;
        this.sessionFactory = session.getKeycloakSessionFactory();
        session.getTransactionManager().enlistAfterCompletion(afterCommit);
    }

    @Override
    public void onEvent(Event event) {
        if (event.getType() == EventType.VERIFY_EMAIL && event.getRealmId() != null && event.getUserId() != null) {
            afterCommit.addEvent(event);
        }
    }

    @Override
    public void onEvent(AdminEvent event, boolean includeRepresentation) {}

    private void sendMail(Event event) {
        try {
            sendMailInNewTransaction(event);
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not send the account-activated e-mail to user %s", event.getUserId());
        }
    }

    private void sendMailInNewTransaction(Event event) {
        HttpRequest request = session.getContext().getHttpRequest();
        String loginUrl = AccountLinks.accountUrl(session);
        KeycloakModelUtils.runJobInTransaction(sessionFactory, job -> {
            RealmModel realm = job.realms().getRealm(event.getRealmId());
            job.getContext().setRealm(realm);
            if (event.getClientId() != null) {
                job.getContext().setClient(realm.getClientByClientId(event.getClientId()));
            }
            job.getContext().setHttpRequest(request);
            UserModel user = job.users().getUserById(realm, event.getUserId());
            // a VERIFY_EMAIL event reaches here only once its transaction committed; the user read here may
            // still be the cached copy from before, so its emailVerified flag is not asked again
            if (user == null || user.getEmail() == null || user.getFirstAttribute(SENT_AT) != null) {
                return;
            }
            try {
                job.getProvider(EmailTemplateProvider.class)
                        .setRealm(realm)
                        .setUser(user)
                        .send(
                                SUBJECT_KEY,
                                TEMPLATE,
                                new HashMap<>(Map.of("loginUrl", loginUrl))); // Keycloak adds to it
                user.setSingleAttribute(
                        SENT_AT, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            } catch (EmailException e) {
                LOG.errorf(e, "could not send the account-activated e-mail to user %s", user.getId());
            }
        });
    }

    @Override
    public void close() {}
}
