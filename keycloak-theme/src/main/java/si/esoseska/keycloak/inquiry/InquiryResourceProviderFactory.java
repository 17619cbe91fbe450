package si.esoseska.keycloak.inquiry;

import org.keycloak.models.KeycloakSession;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;
import si.esoseska.keycloak.Unconfigured;

/** Serves the inquiry page at {@code /realms/<realm>/esoseska-inquiry}. */
public final class InquiryResourceProviderFactory
        implements RealmResourceProviderFactory, Unconfigured<RealmResourceProvider> {

    public static final String PROVIDER_ID = "esoseska-inquiry";

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new RealmResourceProvider() {
            @Override
            public Object getResource() {
                return new InquiryResource(session);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
