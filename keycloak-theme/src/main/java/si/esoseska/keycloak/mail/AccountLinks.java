package si.esoseska.keycloak.mail;

import java.net.URI;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.Urls;

/** Addresses the e-mails point residents to. */
final class AccountLinks {

    private AccountLinks() {}

    /** The account console of the request's realm: the place to log in to the account. */
    static String accountUrl(KeycloakSession session) {
        URI base = session.getContext().getUri().getBaseUri();
        return Urls.accountBase(base)
                .build(session.getContext().getRealm().getName())
                .toString();
    }
}
