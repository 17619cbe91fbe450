package si.esoseska.keycloak.inquiry;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.crypto.Algorithm;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.branding.Brand;
import si.esoseska.keycloak.bridge.BridgeProvider;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.InquiryRequest;
import si.esoseska.keycloak.bridge.InquiryResult;
import si.esoseska.keycloak.captcha.CaptchaProvider;
import si.esoseska.keycloak.mail.BrandedEmailTemplateProvider;
import si.esoseska.keycloak.organization.ManagerOrganizations;

/**
 * The "Povpraševanje" page ({@code /realms/<realm>/esoseska-inquiry}): people without an account write to a
 * manager. The bridge e-mails the message to the manager's contact address and limits how many come from one
 * place; this page shows the form, its errors, and the confirmation. A POST is taken only with the form's CSRF
 * token (InquiryCsrf): without it the form is shown again with what the visitor typed, and nothing is sent.
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
        MultivaluedMap<String, String> formData =
                session.getContext().getHttpRequest().getDecodedFormParameters();
        InquiryCsrf.Check check = csrfCheck(formData);
        if (check != InquiryCsrf.Check.VALID) {
            // sent from another site, or a form left open too long: nothing is sent, the visitor may send it now
            LOG.infof(
                    "inquiry refused: form token %s (remote %s)",
                    check, session.getContext().getConnection().getRemoteAddr());
            return page(
                    formData, List.of(new FormMessage(null, "inquiryFormExpired")), null, Response.Status.FORBIDDEN);
        }
        InquiryForm form = InquiryForm.read(formData);
        if (form.fromRobot()) {
            return page(new MultivaluedHashMap<>(), List.of(), "sent"); // tell a robot nothing useful
        }
        List<FormMessage> errors = new ArrayList<>(form.errors());
        session.getProvider(CaptchaProvider.class).check(formData).ifPresent(errors::add);
        if (!errors.isEmpty()) {
            return page(formData, errors, null, Response.Status.BAD_REQUEST);
        }
        Brand brand =
                BrandedEmailTemplateProvider.brandOf(session, ManagerOrganizations.enabled(session, form.managerId()));
        InquiryResult result;
        try {
            result = session.getProvider(BridgeProvider.class)
                    .client()
                    .sendInquiry(new InquiryRequest(
                            form.managerId(),
                            form.name(),
                            form.email(),
                            form.message(),
                            session.getContext().getConnection().getRemoteAddr(),
                            session.getContext().resolveLocale(null).toLanguageTag(),
                            brand.getLogoUrl(),
                            brand.getColour()));
        } catch (BridgeUnavailableException e) {
            LOG.warnf("inquiry could not be sent: %s", e.getMessage());
            return page(formData, List.of(new FormMessage(null, "inquiryUnavailable")), null);
        }
        return switch (result.outcome()) {
            case SENT -> page(formData, List.of(), result.managerName() == null ? "" : result.managerName());
            case RATE_LIMITED -> page(formData, List.of(new FormMessage(null, "inquiryRateLimited")), null);
            case REJECTED ->
                page(
                        formData,
                        result.errors().stream()
                                .map(InquiryResource::fieldMessage)
                                .toList(),
                        null,
                        Response.Status.BAD_REQUEST);
        };
    }

    /** The bridge's field error (api/inquiries.py) as the message at the page's field. */
    static FormMessage fieldMessage(si.esoseska.keycloak.bridge.VerifyResult.FieldError error) {
        String field = error.field() == null
                ? null
                : switch (error.field()) {
                    case "manager_id" -> InquiryForm.MANAGER_ID;
                    case "email" -> InquiryForm.EMAIL;
                    case "name" -> InquiryForm.NAME;
                    default -> InquiryForm.MESSAGE;
                };
        String key = switch (field == null ? "" : field) {
            case InquiryForm.NAME ->
                switch (error.code()) {
                    case "required" -> "inquiryNameMissing";
                    case "too_long" -> "inquiryNameTooLong";
                    default -> "inquiryNameInvalid";
                };
            case InquiryForm.MESSAGE ->
                switch (error.code()) {
                    case "required" -> "inquiryMessageMissing";
                    case "too_long" -> "inquiryMessageTooLong";
                    default -> "inquiryFieldInvalid";
                };
            default ->
                switch (error.code()) {
                    case "unknown_manager" -> "managerUnknown";
                    case "no_inquiries" -> "inquiryManagerNoInquiries";
                    case "invalid_email" -> "inquiryEmailInvalid";
                    case "required" -> "inquiryFieldMissing";
                    default -> "inquiryFieldInvalid";
                };
        };
        return new FormMessage(field, key, InquiryForm.MAX_MESSAGE);
    }

    // --- the form's CSRF token (InquiryCsrf) ---------------------------------------------------------------

    private InquiryCsrf csrf() {
        RealmModel realm = session.getContext().getRealm();
        List<byte[]> secrets = new ArrayList<>();
        try {
            KeyWrapper active = session.keys().getActiveKey(realm, KeyUse.SIG, Algorithm.HS512);
            if (active != null && active.getSecretKey() != null) {
                secrets.add(active.getSecretKey().getEncoded());
            }
        } catch (RuntimeException e) {
            LOG.errorf(
                    "the realm %s has no active HS512 key: inquiry forms can not be signed (%s)",
                    realm.getName(), e.getMessage());
        }
        session.keys()
                .getKeysStream(realm, KeyUse.SIG, Algorithm.HS512)
                .filter(k -> k.getStatus() != null && k.getStatus().isEnabled() && k.getSecretKey() != null)
                .map(k -> k.getSecretKey().getEncoded())
                .filter(k -> secrets.stream().noneMatch(known -> Arrays.equals(known, k)))
                .forEach(secrets::add);
        return new InquiryCsrf(secrets, Clock.systemUTC());
    }

    private boolean https() {
        return "https"
                .equalsIgnoreCase(session.getContext().getUri().getBaseUri().getScheme());
    }

    /** On https {@code __Host-} (only this host may set it, path /); on plain http (development) this page's path. */
    private String cookieName() {
        return https() ? "__Host-ESOSESKA_INQUIRY" : "ESOSESKA_INQUIRY";
    }

    private String cookieNonce() {
        Cookie cookie = session.getContext()
                .getHttpRequest()
                .getHttpHeaders()
                .getCookies()
                .get(cookieName());
        return cookie != null && InquiryCsrf.wellFormedNonce(cookie.getValue()) ? cookie.getValue() : null;
    }

    /** This visitor's nonce: the cookie's, or a new one sent with this answer. */
    private String visitNonce() {
        String nonce = cookieNonce();
        if (nonce != null) {
            return nonce;
        }
        nonce = InquiryCsrf.newNonce();
        String path =
                https() ? "/" : session.getContext().getUri().getRequestUri().getRawPath();
        session.getContext()
                .getHttpResponse()
                .addHeader(
                        HttpHeaders.SET_COOKIE,
                        cookieName() + "=" + nonce + "; Path=" + path + "; HttpOnly; SameSite=Strict"
                                + (https() ? "; Secure" : ""));
        return nonce;
    }

    private InquiryCsrf.Check csrfCheck(MultivaluedMap<String, String> formData) {
        HttpHeaders headers = session.getContext().getHttpRequest().getHttpHeaders();
        if (!InquiryCsrf.fromOwnOrigin(
                headers.getHeaderString("Origin"),
                headers.getHeaderString("Referer"),
                session.getContext().getUri().getBaseUri())) {
            return InquiryCsrf.Check.INVALID;
        }
        return csrf().check(cookieNonce(), formData == null ? null : formData.getFirst(InquiryCsrf.FIELD));
    }

    private Response page(MultivaluedMap<String, String> formData, List<FormMessage> errors, String sentTo) {
        return page(formData, errors, sentTo, Response.Status.OK);
    }

    /** The page: the form (with values, errors and a token), or the confirmation when sentTo is not null. */
    private Response page(
            MultivaluedMap<String, String> formData, List<FormMessage> errors, String sentTo, Response.Status status) {
        InquiryForm values = InquiryForm.read(formData);
        LoginFormsProvider forms = session.getProvider(LoginFormsProvider.class)
                .setAttribute(
                        "inquiry",
                        Map.of(
                                InquiryForm.NAME,
                                values.name(),
                                InquiryForm.EMAIL,
                                values.email(),
                                InquiryForm.MANAGER_ID,
                                values.managerId(),
                                InquiryForm.MESSAGE,
                                values.message()));
        forms.setStatus(status);
        if (!errors.isEmpty()) {
            forms.setErrors(errors);
        }
        if (sentTo == null) {
            InquiryCsrf csrf = csrf();
            if (csrf.hasKey()) {
                forms.setAttribute("inquiryCsrf", csrf.token(visitNonce()));
            }
            session.getProvider(CaptchaProvider.class)
                    .challengeJson()
                    .ifPresent(json -> forms.setAttribute(CaptchaProvider.ATTRIBUTE, json));
        }
        forms.setAttribute("managers", ManagerOrganizations.options(session));
        if (sentTo != null) {
            forms.setAttribute("inquirySentTo", sentTo);
            forms.setAttribute("inquirySentEmail", values.email());
        }
        return forms.createForm(TEMPLATE);
    }
}
