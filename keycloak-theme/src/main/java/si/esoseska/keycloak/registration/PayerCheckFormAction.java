package si.esoseska.keycloak.registration;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.AuthenticationFlowException;
import org.keycloak.authentication.FormContext;
import org.keycloak.authentication.ValidationContext;
import org.keycloak.events.Errors;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.services.ErrorPage;
import si.esoseska.keycloak.bridge.BridgeProvider;
import si.esoseska.keycloak.bridge.CorrelationIds;
import si.esoseska.keycloak.bridge.ManagerOption;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.bridge.VerifyResult;
import si.esoseska.keycloak.organization.ManagerOrganizations;
import si.esoseska.keycloak.payer.Messages;
import si.esoseska.keycloak.payer.PayerForm;
import si.esoseska.keycloak.payer.PayerLinking;

/**
 * The payer check of the registration form, an adapter of {@link PayerLinking}: validate() verifies payer code and
 * bill password (no side effects); success(), once the user exists in the same transaction, claims the payer and
 * links it to the user and makes the user a member of the manager's organization. The drop-down lists the enabled
 * organizations; a manager not among them is refused at its field. Any failure fails closed: the form says "try again later", and a failed claim rolls the
 * whole registration back, the new user included.
 */
final class PayerCheckFormAction extends RegistrationFormAction {

    static final String VERIFIED_CHECK = PayerCheckFormAction.class.getName() + ".verified";
    static final String EVENT_ERROR_UNAVAILABLE = "payer_check_unavailable";

    private static final Logger LOG = Logger.getLogger(PayerCheckFormAction.class);

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {
        List<ManagerOption> managers = ManagerOrganizations.options(context.getSession());
        form.setAttribute("managers", managers);
        // a resident who came from a manager's own portal sees that manager, fixed
        ManagerHint.of(context.getAuthenticationSession())
                .flatMap(hint ->
                        managers.stream().filter(m -> m.getId().equals(hint)).findFirst())
                .ifPresent(manager -> form.setAttribute("presetManager", manager));
    }

    @Override
    public void validate(ValidationContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        ManagerHint.of(context.getAuthenticationSession())
                .ifPresent(hint -> formData.putSingle(PayerForm.MANAGER_ID, hint));
        PayerForm payer = PayerForm.read(formData);
        formData.remove(PayerForm.BILL_PASSWORD); // never rendered back into the page

        List<FormMessage> errors = payer.localErrors();
        if (errors.isEmpty()
                && ManagerOrganizations.enabled(context.getSession(), payer.managerId())
                        .isEmpty()) {
            // a manager that is not (or no longer) on the list: disabled, removed or made up
            errors = List.of(new FormMessage(PayerForm.MANAGER_ID, Messages.MANAGER_UNKNOWN));
        }
        if (!errors.isEmpty()) {
            context.error(Errors.INVALID_REGISTRATION);
            context.validationError(formData, errors);
            return;
        }
        if (CaptchaFormAction.failed(context.getSession())) {
            // no solved captcha: the form is refused at the captcha, and the bridge is not asked (no free guess)
            context.error(Errors.INVALID_REGISTRATION);
            context.validationError(formData, List.of());
            return;
        }
        PayerLinking.Outcome check = linking(context)
                .verify(new VerifyRequest(
                        payer.managerId(),
                        payer.payerCode(),
                        payer.billPassword(),
                        formData.getFirst(UserModel.EMAIL),
                        context.getConnection().getRemoteAddr(),
                        context.getSession().getContext().resolveLocale(null).toLanguageTag()));
        if (!check.ok()) {
            context.error(
                    check.status() == PayerLinking.Status.UNAVAILABLE
                            ? EVENT_ERROR_UNAVAILABLE
                            : Errors.INVALID_REGISTRATION);
            context.validationError(formData, check.messages());
            return;
        }
        context.getSession().setAttribute(VERIFIED_CHECK, check.verified());
        context.success();
    }

    @Override
    public void success(FormContext context) {
        UserModel user = context.getUser();
        Object check = context.getSession().getAttribute(VERIFIED_CHECK);
        if (user == null || !(check instanceof VerifyResult verified)) {
            LOG.error(
                    "payer check success() without a verified check or a new user; is the execution placed after user creation?");
            throw failClosed(context, Response.Status.INTERNAL_SERVER_ERROR, Messages.PAYER_CHECK_UNAVAILABLE);
        }
        PayerLinking.Outcome linked = linking(context).claimAndLink(user, verified);
        if (!linked.ok()) {
            LOG.infof("registration of %s rolled back: %s", user.getEmail(), linked.status());
            throw failClosed(
                    context,
                    linked.status() == PayerLinking.Status.CLAIMED_BY_OTHER
                            ? Response.Status.CONFLICT
                            : Response.Status.SERVICE_UNAVAILABLE,
                    linked.messageKey());
        }
    }

    /** Rolls back the registration (the new user included) and shows an error page with the given message. */
    private static AuthenticationFlowException failClosed(
            FormContext context, Response.Status status, String messageKey) {
        KeycloakSession session = context.getSession();
        session.getTransactionManager().setRollbackOnly();
        context.getEvent().error(EVENT_ERROR_UNAVAILABLE);
        Response page = ErrorPage.error(session, context.getAuthenticationSession(), status, messageKey);
        return new AuthenticationFlowException(AuthenticationFlowError.GENERIC_AUTHENTICATION_ERROR, page);
    }

    private static PayerLinking linking(FormContext context) {
        return PayerLinking.over(
                context.getSession(),
                context.getSession().getProvider(BridgeProvider.class).client(),
                CorrelationIds.of(context.getAuthenticationSession()));
    }
}
