package si.esoseska.keycloak.linking;

import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.bridge.BridgeProvider;
import si.esoseska.keycloak.bridge.CorrelationIds;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.captcha.CaptchaProvider;
import si.esoseska.keycloak.organization.ManagerOrganizations;
import si.esoseska.keycloak.payer.Messages;
import si.esoseska.keycloak.payer.PayerForm;
import si.esoseska.keycloak.payer.PayerLinking;
import si.esoseska.keycloak.payer.UserLinks;

/**
 * "Dodaj upravnika": a signed-in resident adds another manager's payer account to the same account, proving it
 * with payer code and bill password exactly as at registration (an adapter of {@link PayerLinking}, as the
 * registration form is). Started by an app with {@code kc_action=link-manager}; cancelling returns to the app.
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
        List<FormMessage> errors = new ArrayList<>(payer.localErrors());
        // "Nisem robot" first: without the work no guess at a bill password reaches the bridge
        context.getSession().getProvider(CaptchaProvider.class).check(formData).ifPresent(errors::add);
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
        if (ManagerOrganizations.enabled(context.getSession(), payer.managerId())
                .isEmpty()) {
            context.challenge(
                    page(context, formData, List.of(new FormMessage(PayerForm.MANAGER_ID, Messages.MANAGER_UNKNOWN))));
            return;
        }
        PayerLinking linking = PayerLinking.over(
                context.getSession(),
                context.getSession().getProvider(BridgeProvider.class).client(),
                CorrelationIds.of(context.getAuthenticationSession()));
        PayerLinking.Outcome check = linking.verify(new VerifyRequest(
                payer.managerId(),
                payer.payerCode(),
                payer.billPassword(),
                user.getEmail(),
                context.getConnection().getRemoteAddr(),
                context.getSession().getContext().resolveLocale(user).toLanguageTag()));
        if (!check.ok()) {
            if (check.status() == PayerLinking.Status.NOT_VERIFIED) {
                context.getEvent().error("payer_not_verified");
            }
            context.challenge(page(context, formData, check.messages()));
            return;
        }
        PayerLinking.Outcome linked = linking.claimAndLink(user, check.verified());
        if (!linked.ok()) {
            context.challenge(page(context, formData, linked.messages()));
            return;
        }
        LOG.infof("manager added user=%s manager=%s", user.getId(), payer.managerId());
        context.getEvent().detail("payer_account", account);
        context.success();
    }

    private static Response page(
            RequiredActionContext context, MultivaluedMap<String, String> formData, List<FormMessage> errors) {
        LoginFormsProvider form = context.form();
        errors.forEach(form::addError);
        context.getSession()
                .getProvider(CaptchaProvider.class)
                .challengeJson()
                .ifPresent(json -> form.setAttribute(CaptchaProvider.ATTRIBUTE, json));
        form.setAttribute("managers", ManagerOrganizations.options(context.getSession()));
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
