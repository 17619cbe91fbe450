package si.esoseska.keycloak.events;

import java.net.URI;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.Urls;

/** Addresses the e-mails point residents to. */
final class AccountLinks {

    private AccountLinks() {
    }

    /** The realm's account console: the place to log in to the account. */
    static String accountUrl(KeycloakSession session, RealmModel realm) {
        URI base = session.getContext().getUri().getBaseUri();
        return Urls.accountBase(base).build(realm.getName()).toString();
    }
}
