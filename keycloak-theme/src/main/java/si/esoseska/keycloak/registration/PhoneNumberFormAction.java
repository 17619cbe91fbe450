package si.esoseska.keycloak.registration;

import jakarta.ws.rs.core.MultivaluedMap;
import org.keycloak.authentication.FormAction;
import org.keycloak.authentication.FormContext;
import org.keycloak.authentication.ValidationContext;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Accepts the phone number as typed and hands it on as {@code 041 123 456}. Runs before user creation, which
 * then validates (pattern of the user profile) and stores the normalized value. A number that can not be
 * normalized is left as typed, so the user profile's message explains the expected form.
 */
final class PhoneNumberFormAction implements FormAction {

    static final String PHONE_NUMBER = "phone_number";

    @Override
    public void validate(ValidationContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        PhoneNumbers.normalize(formData.getFirst(PHONE_NUMBER)).ifPresent(phone -> formData.putSingle(PHONE_NUMBER, phone));
        context.success();
    }

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {
    }

    @Override
    public void success(FormContext context) {
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
