package si.esoseska.keycloak.registration;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.keycloak.authentication.FormContext;
import org.keycloak.authentication.ValidationContext;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import si.esoseska.keycloak.branding.Brand;
import si.esoseska.keycloak.branding.LoginBrand;

/**
 * The consents of the registration form: links to the terms of business and privacy rules (those of the manager
 * the resident came from, else the realm attributes {@code termsUrl}, {@code privacyUrl}: LoginBrand), the optional
 * prize-game consent when a campaign is configured (realm attributes {@code prizeGameCampaign}, {@code prizeGameTermsUrl}), and on success the time of each consent on
 * the user ({@code terms_accepted_at}, {@code prize_game_consent}, {@code prize_game_consent_at}).
 * That the terms were accepted at all is checked by Keycloak's own terms-and-conditions action.
 */
final class ConsentsFormAction extends RegistrationFormAction {

    static final String TERMS_URL = "termsUrl";
    static final String PRIVACY_URL = "privacyUrl";
    static final String PRIZE_GAME_CAMPAIGN = "prizeGameCampaign";
    static final String PRIZE_GAME_TERMS_URL = "prizeGameTermsUrl";
    static final String PRIZE_GAME_FIELD = "prizeGameConsent";
    static final String TERMS_FIELD = "termsAccepted";

    static final String TERMS_ACCEPTED_AT = "terms_accepted_at";
    static final String PRIZE_GAME_CONSENT = "prize_game_consent";
    static final String PRIZE_GAME_CONSENT_AT = "prize_game_consent_at";

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {
        RealmModel realm = context.getRealm();
        Brand brand = LoginBrand.of(context.getSession(), realm, context.getAuthenticationSession());
        form.setAttribute(TERMS_URL, orHash(brand.getTermsUrl()));
        form.setAttribute(PRIVACY_URL, orHash(brand.getPrivacyUrl()));
        String campaign = realm.getAttribute(PRIZE_GAME_CAMPAIGN);
        if (campaign != null && !campaign.isBlank()) {
            form.setAttribute(
                    "prizeGame",
                    Map.of("campaign", campaign.strip(), "termsUrl", orHash(realm.getAttribute(PRIZE_GAME_TERMS_URL))));
        }
    }

    @Override
    public void validate(ValidationContext context) {
        context.success();
    }

    @Override
    public void success(FormContext context) {
        UserModel user = context.getUser();
        var formData = context.getHttpRequest().getDecodedFormParameters();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        if (formData.containsKey(TERMS_FIELD)) {
            user.setSingleAttribute(TERMS_ACCEPTED_AT, now);
        }
        String campaign = context.getRealm().getAttribute(PRIZE_GAME_CAMPAIGN);
        if (campaign != null && !campaign.isBlank() && formData.containsKey(PRIZE_GAME_FIELD)) {
            user.setSingleAttribute(PRIZE_GAME_CONSENT, campaign.strip());
            user.setSingleAttribute(PRIZE_GAME_CONSENT_AT, now);
        }
    }

    private static String orHash(String url) {
        return url == null || url.isBlank() ? "#" : url.strip();
    }
}
