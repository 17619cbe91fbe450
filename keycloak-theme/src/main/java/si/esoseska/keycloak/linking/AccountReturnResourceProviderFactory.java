package si.esoseska.keycloak.linking;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.Urls;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;
import si.esoseska.keycloak.Unconfigured;

/**
 * {@code /realms/<realm>/esoseska-account-return}: where "Dodaj upravnika" from the account console comes back to
 * (the client add-manager-link's redirect_uri). It sends the resident on to the account console without the
 * code and kc_action_status of that return: the console's own login would otherwise carry them in its redirect_uri,
 * which Keycloak refuses ("Invalid parameter: redirect_uri").
 */
public final class AccountReturnResourceProviderFactory
        implements RealmResourceProviderFactory, Unconfigured<RealmResourceProvider> {

    public static final String PROVIDER_ID = "esoseska-account-return";

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new RealmResourceProvider() {
            @Override
            public Object getResource() {
                return new AccountReturn(session);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    /** The resource: one GET, a 303 to the account console. */
    public static final class AccountReturn {

        private final KeycloakSession session;

        AccountReturn(KeycloakSession session) {
            this.session = session;
        }

        @GET
        public Response back() {
            URI console = Urls.accountBase(session.getContext().getUri().getBaseUri())
                    .path("/")
                    .build(session.getContext().getRealm().getName());
            return Response.seeOther(console).build();
        }
    }
}
