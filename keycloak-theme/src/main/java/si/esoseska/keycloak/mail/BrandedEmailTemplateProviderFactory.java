package si.esoseska.keycloak.mail;

import org.keycloak.Config;
import org.keycloak.email.EmailTemplateProvider;
import org.keycloak.email.EmailTemplateProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import si.esoseska.keycloak.branding.Brand;

/**
 * The e-mail templates with the manager's look (BrandedEmailTemplateProvider), the default over Keycloak's
 * {@code freemarker} by its order. Option {@code platform-logo-url}
 * ({@code KC_SPI_EMAIL_TEMPLATE__ESOSESKA__PLATFORM_LOGO_URL}): a stable address of the eSoseska logo for the
 * mails; without it the logo comes from this Keycloak's theme resources, whose address changes with each
 * Keycloak version (older mails then show the logo's alt text).
 */
public final class BrandedEmailTemplateProviderFactory implements EmailTemplateProviderFactory {

    public static final String PROVIDER_ID = "esoseska";

    private String platformLogoUrl;

    @Override
    public EmailTemplateProvider create(KeycloakSession session) {
        return new BrandedEmailTemplateProvider(session, platformLogoUrl);
    }

    @Override
    public void init(Config.Scope config) {
        String configured = config.get("platformLogoUrl");
        platformLogoUrl = configured == null || configured.isBlank()
                ? null
                : Brand.webUrl(configured)
                        .orElseThrow(() -> new IllegalArgumentException(
                                "platform-logo-url must be an absolute http(s) address: " + configured));
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {}

    @Override
    public void close() {}

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public int order() {
        return 10;
    }
}
