package si.esoseska.keycloak.registration;

import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.RealmModel;

/** The addresses of the terms of business and the privacy rules: realm attributes `termsUrl` and `privacyUrl`. */
final class LegalLinks {

    static final String TERMS_URL = "termsUrl";
    static final String PRIVACY_URL = "privacyUrl";

    private LegalLinks() {
    }

    static void addTo(LoginFormsProvider form, RealmModel realm) {
        form.setAttribute(TERMS_URL, orHash(realm.getAttribute(TERMS_URL)));
        form.setAttribute(PRIVACY_URL, orHash(realm.getAttribute(PRIVACY_URL)));
    }

    private static String orHash(String url) {
        return url == null || url.isBlank() ? "#" : url;
    }
}
