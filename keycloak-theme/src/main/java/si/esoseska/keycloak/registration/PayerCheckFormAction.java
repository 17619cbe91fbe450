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
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.services.ErrorPage;
import si.esoseska.keycloak.bridge.BridgeClient;
import si.esoseska.keycloak.bridge.BridgeSettings;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.ClaimResult;
import si.esoseska.keycloak.bridge.ManagerOption;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.bridge.VerifyResult;

/**
 * The payer check of the registration form. validate() asks the bridge whether payer code and bill password
 * match the chosen manager's bill (no side effects); success(), once the user exists in the same transaction,
 * links the manager and payer account to the user and claims the payer. Any failure fails closed: the form
 * says "try again later", and a failed claim rolls the whole registration back.
 */
final class PayerCheckFormAction extends RegistrationFormAction {

    static final String VERIFIED_CHECK = PayerCheckFormAction.class.getName() + ".verified";
    static final String EVENT_ERROR_UNAVAILABLE = "payer_check_unavailable";

    private static final Logger LOG = Logger.getLogger(PayerCheckFormAction.class);

    @Override
    public void buildPage(FormContext context, LoginFormsProvider form) {
        try {
            List<ManagerOption> managers = ManagerDirectory.managers(settings(context));
            form.setAttribute("managers", managers);
            // a resident who came from a manager's own portal sees that manager, fixed
            ManagerHint.of(context.getAuthenticationSession())
                    .flatMap(hint -> managers.stream()
                            .filter(m -> m.getId().equals(hint))
                            .findFirst())
                    .ifPresent(manager -> form.setAttribute("presetManager", manager));
        } catch (BridgeUnavailableException e) {
            LOG.warnf("manager list unavailable: %s", e.getMessage());
            form.setAttribute("managers", List.of());
            form.setAttribute("managersUnavailable", true);
        }
    }

    @Override
    public void validate(ValidationContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        ManagerHint.of(context.getAuthenticationSession())
                .ifPresent(hint -> formData.putSingle(PayerForm.MANAGER_ID, hint));
        PayerForm payer = PayerForm.read(formData);
        formData.remove(PayerForm.BILL_PASSWORD); // never rendered back into the page

        List<FormMessage> errors = payer.localErrors();
        if (!errors.isEmpty()) {
            context.error(Errors.INVALID_REGISTRATION);
            context.validationError(formData, errors);
            return;
        }
        VerifyResult result;
        String correlationId = CorrelationIds.of(context.getAuthenticationSession());
        long started = System.nanoTime();
        try {
            result = new BridgeClient(settings(context))
                    .withCorrelationId(correlationId)
                    .verify(new VerifyRequest(
                            payer.managerId(),
                            payer.payerCode(),
                            payer.billPassword(),
                            formData.getFirst(UserModel.EMAIL),
                            context.getConnection().getRemoteAddr(),
                            context.getSession()
                                    .getContext()
                                    .resolveLocale(null)
                                    .toLanguageTag()));
        } catch (BridgeUnavailableException e) {
            LOG.warnf(
                    "payer check unavailable, registration refused: %s correlation_id=%s",
                    e.getMessage(), correlationId);
            context.error(EVENT_ERROR_UNAVAILABLE);
            context.validationError(formData, List.of(new FormMessage(null, Messages.PAYER_CHECK_UNAVAILABLE)));
            return;
        }
        LOG.infof(
                "payer check manager=%s verified=%s bridge_ms=%d correlation_id=%s",
                payer.managerId(), result.verified(), (System.nanoTime() - started) / 1_000_000, correlationId);
        if (!result.verified()) {
            context.error(Errors.INVALID_REGISTRATION);
            context.validationError(
                    formData,
                    result.errors().stream()
                            .map(error -> new FormMessage(Messages.formField(error), Messages.messageKey(error)))
                            .toList());
            return;
        }
        context.getSession().setAttribute(VERIFIED_CHECK, result);
        context.success();
    }

    @Override
    public void success(FormContext context) {
        KeycloakSession session = context.getSession();
        UserModel user = context.getUser();
        Object check = session.getAttribute(VERIFIED_CHECK);
        if (user == null || !(check instanceof VerifyResult verified)) {
            LOG.error(
                    "payer check success() without a verified check or a new user; is the execution placed after user creation?");
            throw failClosed(context, Response.Status.INTERNAL_SERVER_ERROR, Messages.PAYER_CHECK_UNAVAILABLE);
        }
        UserLinks.add(user, verified.attributes());
        ClaimResult claim;
        String correlationId = CorrelationIds.of(context.getAuthenticationSession());
        long started = System.nanoTime();
        try {
            claim = new BridgeClient(settings(context))
                    .withCorrelationId(correlationId)
                    .claim(verified.ticket(), user.getId());
        } catch (BridgeUnavailableException e) {
            LOG.warnf(
                    "payer claim failed, registration of %s rolled back: %s correlation_id=%s",
                    user.getEmail(), e.getMessage(), correlationId);
            throw failClosed(context, Response.Status.SERVICE_UNAVAILABLE, Messages.PAYER_CHECK_UNAVAILABLE);
        }
        LOG.infof(
                "payer claim user=%s result=%s bridge_ms=%d correlation_id=%s",
                user.getId(), claim, (System.nanoTime() - started) / 1_000_000, correlationId);
        if (claim == ClaimResult.CLAIMED_BY_OTHER) {
            LOG.infof(
                    "payer was claimed by another account meanwhile; registration of %s rolled back", user.getEmail());
            throw failClosed(context, Response.Status.CONFLICT, Messages.PAYER_CLAIMED_MEANWHILE);
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

    private static BridgeSettings settings(FormContext context) {
        AuthenticatorConfigModel config = context.getAuthenticatorConfig();
        return BridgeSettings.fromConfig(config == null ? null : config.getConfig());
    }
}
