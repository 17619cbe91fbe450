package si.esoseska.keycloak.registration;

import org.keycloak.authentication.FormAction;
import org.keycloak.authentication.FormContext;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/** A step of the registration form: no user needed before it, nothing to set up, no state of its own. */
abstract class RegistrationFormAction implements FormAction {

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {}

    @Override
    public void success(FormContext context) {}

    @Override
    public final boolean requiresUser() {
        return false;
    }

    @Override
    public final boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public final void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}

    @Override
    public final void close() {}
}
