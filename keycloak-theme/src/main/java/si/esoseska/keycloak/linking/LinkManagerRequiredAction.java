package si.esoseska.keycloak.linking;

import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.bridge.BridgeClient;
import si.esoseska.keycloak.bridge.BridgeSettings;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.ClaimResult;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.bridge.VerifyResult;
import si.esoseska.keycloak.registration.CorrelationIds;
import si.esoseska.keycloak.registration.ManagerDirectory;
import si.esoseska.keycloak.registration.Messages;
import si.esoseska.keycloak.registration.PayerCheckSettings;
import si.esoseska.keycloak.registration.PayerForm;
import si.esoseska.keycloak.registration.UserLinks;

/**
 * "Dodaj upravnika": a signed-in resident adds another manager's payer account to the same account, proving it
 * with payer code and bill password exactly as at registration (same bridge check, same one-payer-one-account
 * claim). Started by an app with {@code kc_action=link-manager}; cancelling returns to the app.
 */
final class LinkManagerRequiredAction implements RequiredActionProvider {

    static final String TEMPLATE = "link-manager.ftl";
    static final String ALREADY_YOURS = "payerAlreadyYours";

    private static final Logger LOG = Logger.getLogger(LinkManagerRequiredAction.class);

    @Override
    public InitiatedActionSupport initiatedActionSupport() {
        return InitiatedActionSupport.SUPPORTED;
    }

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        // only ever started by an app (kc_action) or an admin; never forced on its own
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        context.challenge(page(context, new MultivaluedHashMap<>(), List.of()));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        PayerForm payer = PayerForm.read(formData);
        formData.remove(PayerForm.BILL_PASSWORD);
        List<FormMessage> errors = payer.localErrors();
        if (!errors.isEmpty()) {
            context.challenge(page(context, formData, errors));
            return;
        }
        UserModel user = context.getUser();
        String account = payer.account();
        if (user.getAttributeStream(UserLinks.PAYER_ACCOUNTS).anyMatch(account::equals)) {
            context.challenge(page(context, formData, List.of(new FormMessage(PayerForm.PAYER_CODE, ALREADY_YOURS))));
            return;
        }
        String correlationId = CorrelationIds.of(context.getAuthenticationSession());
        BridgeClient bridge =
                new BridgeClient(PayerCheckSettings.forRealm(context.getRealm())).withCorrelationId(correlationId);
        try {
            VerifyResult result = bridge.verify(new VerifyRequest(
                    payer.managerId(),
                    payer.payerCode(),
                    payer.billPassword(),
                    user.getEmail(),
                    context.getConnection().getRemoteAddr(),
                    context.getSession().getContext().resolveLocale(user).toLanguageTag()));
            if (!result.verified()) {
                context.getEvent().error("payer_not_verified");
                context.challenge(page(
                        context,
                        formData,
                        result.errors().stream()
                                .map(error -> new FormMessage(Messages.formField(error), Messages.messageKey(error)))
                                .toList()));
                return;
            }
            if (bridge.claim(result.ticket(), user.getId()) == ClaimResult.CLAIMED_BY_OTHER) {
                context.challenge(
                        page(context, formData, List.of(new FormMessage(null, Messages.PAYER_CLAIMED_MEANWHILE))));
                return;
            }
            UserLinks.add(user, result.attributes());
            LOG.infof(
                    "manager added user=%s manager=%s correlation_id=%s",
                    user.getId(), payer.managerId(), correlationId);
            context.getEvent().detail("payer_account", account);
            context.success();
        } catch (BridgeUnavailableException e) {
            LOG.warnf(
                    "add manager for user %s failed, bridge unavailable: %s correlation_id=%s",
                    user.getId(), e.getMessage(), correlationId);
            context.challenge(
                    page(context, formData, List.of(new FormMessage(null, Messages.PAYER_CHECK_UNAVAILABLE))));
        }
    }

    private static Response page(
            RequiredActionContext context, MultivaluedMap<String, String> formData, List<FormMessage> errors) {
        LoginFormsProvider form = context.form();
        errors.forEach(form::addError);
        BridgeSettings settings = PayerCheckSettings.forRealm(context.getRealm());
        try {
            form.setAttribute("managers", ManagerDirectory.managers(settings));
        } catch (BridgeUnavailableException e) {
            form.setAttribute("managers", List.of());
            form.setAttribute("managersUnavailable", true);
        }
        form.setAttribute(
                "linkForm",
                Map.of(
                        PayerForm.MANAGER_ID, valueOf(formData, PayerForm.MANAGER_ID),
                        PayerForm.PAYER_CODE, valueOf(formData, PayerForm.PAYER_CODE)));
        form.setAttribute(
                "linkedManagers",
                context.getUser().getAttributeStream(UserLinks.MANAGERS).toList());
        return form.createForm(TEMPLATE);
    }

    private static String valueOf(MultivaluedMap<String, String> formData, String field) {
        String value = formData.getFirst(field);
        return value == null ? "" : value.strip();
    }

    @Override
    public void close() {}
}
