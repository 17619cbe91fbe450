package si.esoseska.keycloak.mail;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.keycloak.email.EmailException;
import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.email.freemarker.FreeMarkerEmailTemplateProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.RealmModel;
import org.keycloak.services.Urls;
import org.keycloak.theme.Theme;
import si.esoseska.keycloak.branding.Brand;
import si.esoseska.keycloak.branding.ResidentManager;
import si.esoseska.keycloak.registration.ManagerHint;

/**
 * Keycloak's FreeMarker e-mails with one more template attribute, {@code brand}: the look of the resident's
 * manager (ResidentManager) or the platform's, whose logo is {@code platformLogoUrl} or else the e-mail theme's own
 * {@code img/esoseska-logo.png}.
 */
public final class BrandedEmailTemplateProvider extends FreeMarkerEmailTemplateProvider {

    static final String LOGO_RESOURCE = "img/esoseska-logo.png";

    private final String platformLogoUrl;

    BrandedEmailTemplateProvider(KeycloakSession session, String platformLogoUrl) {
        super(session);
        this.platformLogoUrl = platformLogoUrl;
    }

    /** The look of a mail about this manager (the platform's when empty), as this server's e-mails have it. */
    public static Brand brandOf(KeycloakSession session, Optional<OrganizationModel> manager) {
        String configured =
                session.getProvider(EmailTemplateProvider.class) instanceof BrandedEmailTemplateProvider ours
                        ? ours.platformLogoUrl
                        : null;
        Brand platform = platform(session, session.getContext().getRealm(), configured);
        return manager.map(org -> Brand.of(org, platform)).orElse(platform);
    }

    @Override
    protected EmailTemplate processTemplate(
            String subjectKey, List<Object> subjectAttributes, String template, Map<String, Object> attributes)
            throws EmailException {
        Brand platform = platform(session, realm, platformLogoUrl);
        attributes.put(
                "brand",
                ResidentManager.of(session, user, ManagerHint.of(authenticationSession))
                        .map(org -> Brand.of(org, platform))
                        .orElse(platform));
        return super.processTemplate(subjectKey, subjectAttributes, template, attributes);
    }

    private static Brand platform(KeycloakSession session, RealmModel realm, String configuredLogoUrl) {
        return Brand.platform(
                configuredLogoUrl != null ? configuredLogoUrl : themeLogoUrl(session),
                realm == null ? null : realm.getAttribute("termsUrl"),
                realm == null ? null : realm.getAttribute("privacyUrl"));
    }

    /** The logo in the e-mail theme's resources, as an absolute address (mail programs need one). */
    private static String themeLogoUrl(KeycloakSession session) {
        try {
            String theme = session.theme().getTheme(Theme.Type.EMAIL).getName();
            return Urls.themeRoot(session.getContext().getUri().getBaseUri()) + "/email/" + theme + "/" + LOGO_RESOURCE;
        } catch (IOException e) {
            throw new IllegalStateException("the e-mail theme could not be read", e);
        }
    }
}
