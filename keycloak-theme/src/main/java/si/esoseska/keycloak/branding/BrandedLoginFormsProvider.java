package si.esoseska.keycloak.branding;

import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.keycloak.forms.login.freemarker.FreeMarkerLoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.theme.Theme;

/** Keycloak's FreeMarker login pages with one more template attribute, {@code brand} (LoginBrand). */
final class BrandedLoginFormsProvider extends FreeMarkerLoginFormsProvider {

    BrandedLoginFormsProvider(KeycloakSession session) {
        super(session);
    }

    @Override
    protected Response processTemplate(Theme theme, String templateName, Locale locale) {
        attributes.put(
                "brand",
                LoginBrand.of(
                        session, realm != null ? realm : session.getContext().getRealm(), authenticationSession));
        return super.processTemplate(theme, templateName, locale);
    }
}
