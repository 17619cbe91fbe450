package si.esoseska.keycloak.branding;

import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.forms.login.LoginFormsProviderFactory;
import org.keycloak.models.KeycloakSession;
import si.esoseska.keycloak.Unconfigured;

/** The login pages with the manager's look (BrandedLoginFormsProvider), the default over Keycloak's by its order. */
public final class BrandedLoginFormsProviderFactory
        implements LoginFormsProviderFactory, Unconfigured<LoginFormsProvider> {

    public static final String PROVIDER_ID = "esoseska";

    @Override
    public LoginFormsProvider create(KeycloakSession session) {
        return new BrandedLoginFormsProvider(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public int order() {
        return 10;
    }
}
