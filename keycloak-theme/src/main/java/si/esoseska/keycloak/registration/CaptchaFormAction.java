package si.esoseska.keycloak.registration;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import java.util.Optional;
import org.keycloak.authentication.FormContext;
import org.keycloak.authentication.ValidationContext;
import org.keycloak.events.Errors;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.captcha.CaptchaProvider;

/**
 * "Nisem robot" on the registration form (ALTCHA, {@link CaptchaProvider}): the page gets a signed challenge, and
 * a form without a fresh, unused solution is refused with an error at the widget. Placed before the payer check,
 * which then asks the bridge nothing ({@link #failed}): no guess at a bill password gets through without the work.
 */
final class CaptchaFormAction extends RegistrationFormAction {

    private static final String FAILED = "esoseska.captcha.failed";

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {
        context.getSession()
                .getProvider(CaptchaProvider.class)
                .challengeJson()
                .ifPresent(json -> form.setAttribute(CaptchaProvider.ATTRIBUTE, json));
    }

    @Override
    public void validate(ValidationContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        Optional<FormMessage> problem =
                context.getSession().getProvider(CaptchaProvider.class).check(formData);
        if (problem.isPresent()) {
            context.getSession().setAttribute(FAILED, Boolean.TRUE);
            context.error(Errors.INVALID_REGISTRATION);
            context.validationError(formData, List.of(problem.get()));
            return;
        }
        context.success();
    }

    /** Whether this request's captcha was refused (the form fails anyway: later steps need not do their work). */
    static boolean failed(KeycloakSession session) {
        return Boolean.TRUE.equals(session.getAttribute(FAILED));
    }
}
