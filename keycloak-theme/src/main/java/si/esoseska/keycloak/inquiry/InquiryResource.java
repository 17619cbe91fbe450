package si.esoseska.keycloak.inquiry;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.bridge.BridgeClient;
import si.esoseska.keycloak.bridge.BridgeSettings;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.InquiryRequest;
import si.esoseska.keycloak.bridge.InquiryResult;
import si.esoseska.keycloak.bridge.ManagerOption;
import si.esoseska.keycloak.registration.ManagerDirectory;
import si.esoseska.keycloak.registration.PayerCheckSettings;

/**
 * The "Povpraševanje" page ({@code /realms/<realm>/esoseska-inquiry}): people without an account write to a
 * manager. The bridge e-mails the message to the manager's contact address and limits how many come from one
 * place; this page shows the form, its errors, and the confirmation.
 */
public final class InquiryResource {

    static final String TEMPLATE = "inquiry.ftl";
    private static final Logger LOG = Logger.getLogger(InquiryResource.class);

    private final KeycloakSession session;

    InquiryResource(KeycloakSession session) {
        this.session = session;
    }

    @GET
    @Path("")
    @Produces(MediaType.TEXT_HTML)
    public Response show() {
        return page(new MultivaluedHashMap<>(), List.of(), null);
    }

    @POST
    @Path("")
    @Produces(MediaType.TEXT_HTML)
    public Response send() {
        MultivaluedMap<String, String> formData = session.getContext().getHttpRequest().getDecodedFormParameters();
        InquiryForm form = InquiryForm.read(formData);
        if (form.fromRobot()) {
            return page(new MultivaluedHashMap<>(), List.of(), "sent"); // tell a robot nothing useful
        }
        List<FormMessage> errors = form.errors();
        if (!errors.isEmpty()) {
            return page(formData, errors, null);
        }
        BridgeSettings settings = PayerCheckSettings.forRealm(session.getContext().getRealm());
        InquiryResult result;
        try {
            result = new BridgeClient(settings).sendInquiry(new InquiryRequest(form.managerId(), form.name(),
                    form.email(), form.message(), session.getContext().getConnection().getRemoteAddr(),
                    session.getContext().resolveLocale(null).toLanguageTag()));
        } catch (BridgeUnavailableException e) {
            LOG.warnf("inquiry could not be sent: %s", e.getMessage());
            return page(formData, List.of(new FormMessage(null, "inquiryUnavailable")), null);
        }
        return switch (result.outcome()) {
            case SENT -> page(formData, List.of(), result.managerName() == null ? "" : result.managerName());
            case RATE_LIMITED -> page(formData, List.of(new FormMessage(null, "inquiryRateLimited")), null);
            case REJECTED -> page(formData, result.errors().stream().map(InquiryResource::fieldMessage).toList(), null);
        };
    }

    private static FormMessage fieldMessage(si.esoseska.keycloak.bridge.VerifyResult.FieldError error) {
        String field = error.field() == null ? null : switch (error.field()) {
            case "manager_id" -> InquiryForm.MANAGER_ID;
            case "email" -> InquiryForm.EMAIL;
            case "name" -> InquiryForm.NAME;
            default -> InquiryForm.MESSAGE;
        };
        String key = switch (error.code()) {
            case "unknown_manager" -> "managerUnknown";
            case "no_inquiries" -> "inquiryManagerNoInquiries";
            case "invalid_email" -> "inquiryEmailInvalid";
            case "too_long" -> "inquiryMessageTooLong";
            default -> "inquiryFieldMissing";
        };
        return new FormMessage(field, key, InquiryForm.MAX_MESSAGE);
    }

    /** The page: the form (with values and errors), or the confirmation when sentTo is not null. */
    private Response page(MultivaluedMap<String, String> formData, List<FormMessage> errors, String sentTo) {
        InquiryForm values = InquiryForm.read(formData);
        LoginFormsProvider forms = session.getProvider(LoginFormsProvider.class)
                .setAttribute("inquiry", Map.of(InquiryForm.NAME, values.name(), InquiryForm.EMAIL, values.email(),
                        InquiryForm.MANAGER_ID, values.managerId(), InquiryForm.MESSAGE, values.message()));
        if (!errors.isEmpty()) {
            forms.setErrors(errors);
        }
        try {
            List<ManagerOption> managers = ManagerDirectory.managers(PayerCheckSettings.forRealm(session.getContext().getRealm()));
            forms.setAttribute("managers", managers);
        } catch (BridgeUnavailableException e) {
            forms.setAttribute("managers", List.of());
            forms.setAttribute("managersUnavailable", true);
        }
        if (sentTo != null) {
            forms.setAttribute("inquirySentTo", sentTo);
            forms.setAttribute("inquirySentEmail", values.email());
        }
        return forms.createForm(TEMPLATE);
    }
}
