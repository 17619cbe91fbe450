package si.esoseska.keycloak.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/** The bridge's JSON: request bodies out, answers in. Anything unexpected is a {@link BridgeUnavailableException}. */
public final class BridgeJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private BridgeJson() {}

    public static byte[] verifyBody(VerifyRequest request) {
        ObjectNode body = signedBody();
        // required: always sent as strings, so the bridge answers "required" rather than a 400 for a null
        body.put("manager_id", Objects.toString(request.managerId(), ""));
        body.put("payer_code", Objects.toString(request.payerCode(), ""));
        body.put("bill_password", Objects.toString(request.billPassword(), ""));
        putIfPresent(body, "email", request.email());
        putIfPresent(body, "client_ip", request.clientIp());
        putIfPresent(body, "locale", request.locale());
        return bytes(body);
    }

    public static byte[] inquiryBody(InquiryRequest request) {
        ObjectNode body = signedBody();
        body.put("manager_id", Objects.toString(request.managerId(), ""));
        body.put("name", Objects.toString(request.name(), ""));
        body.put("email", Objects.toString(request.email(), ""));
        body.put("message", Objects.toString(request.message(), ""));
        putIfPresent(body, "client_ip", request.clientIp());
        putIfPresent(body, "locale", request.locale());
        putIfPresent(body, "logo_url", request.logoUrl());
        putIfPresent(body, "brand_colour", request.brandColour());
        return bytes(body);
    }

    /** The answer to an inquiry: 202 sent, 400 with field errors (200 from bridges before 400), 429 rate limited. */
    public static InquiryResult parseInquiry(int status, byte[] json) throws BridgeUnavailableException {
        if (status == 429) {
            return new InquiryResult(InquiryResult.Outcome.RATE_LIMITED, null, List.of());
        }
        JsonNode root = read(json);
        if (status == 202 && root.path("ok").asBoolean(false)) {
            return new InquiryResult(InquiryResult.Outcome.SENT, text(root, "manager_name"), List.of());
        }
        if ((status == 400 || status == 200) && !root.path("ok").asBoolean(true)) {
            List<VerifyResult.FieldError> errors = new ArrayList<>();
            for (JsonNode error : root.path("errors")) {
                String code = text(error, "code");
                if (code != null) {
                    errors.add(new VerifyResult.FieldError(text(error, "field"), code));
                }
            }
            if (!errors.isEmpty()) {
                return new InquiryResult(InquiryResult.Outcome.REJECTED, null, List.copyOf(errors));
            }
        }
        throw new BridgeUnavailableException("inquiry answered HTTP " + status);
    }

    public static byte[] claimSyncBody(String userId, List<String> payerAccounts) {
        ObjectNode body = signedBody();
        body.put("user_id", userId);
        var accounts = body.putArray("payer_accounts");
        payerAccounts.forEach(accounts::add);
        return bytes(body);
    }

    public static byte[] managerBody(String name, String contactEmail, boolean enabled) {
        ObjectNode body = signedBody();
        body.put("name", name);
        putIfPresent(body, "contact_email", contactEmail);
        body.put("enabled", enabled);
        return bytes(body);
    }

    public static byte[] claimBody(String ticket, String userId) {
        ObjectNode body = signedBody();
        body.put("ticket", ticket);
        body.put("user_id", userId);
        return bytes(body);
    }

    public static VerifyResult parseVerify(byte[] json) throws BridgeUnavailableException {
        JsonNode root = read(json);
        JsonNode ok = root.get("ok");
        if (ok == null || !ok.isBoolean()) {
            throw new BridgeUnavailableException("verify answer without a boolean 'ok'");
        }
        if (ok.booleanValue()) {
            String ticket = text(root, "ticket");
            if (ticket == null || ticket.isEmpty()) {
                throw new BridgeUnavailableException("verify answer without a ticket");
            }
            Map<String, List<String>> attributes = new LinkedHashMap<>();
            JsonNode attrs = root.path("attributes");
            attrs.fieldNames().forEachRemaining(name -> {
                List<String> values = new ArrayList<>();
                attrs.get(name).forEach(v -> {
                    if (v.isTextual()) {
                        values.add(v.textValue());
                    }
                });
                attributes.put(name, values);
            });
            return VerifyResult.verified(ticket, attributes).withCaptchaRequired(captchaRequired(root));
        }
        List<VerifyResult.FieldError> errors = new ArrayList<>();
        for (JsonNode error : root.path("errors")) {
            String field = text(error, "field");
            String code = text(error, "code");
            if (code != null) {
                errors.add(new VerifyResult.FieldError(field, code));
            }
        }
        if (errors.isEmpty()) {
            throw new BridgeUnavailableException("verify answer rejected the payer without saying why");
        }
        return VerifyResult.rejected(errors).withCaptchaRequired(captchaRequired(root));
    }

    /** {@code "captcha_required": true} in a verify answer: the bridge sees a flood of failed checks. */
    private static boolean captchaRequired(JsonNode root) {
        JsonNode flag = root.get("captcha_required");
        return flag != null && flag.isBoolean() && flag.booleanValue();
    }

    public static List<ManagerOption> parseManagers(byte[] json) throws BridgeUnavailableException {
        JsonNode managers = read(json).get("managers");
        if (managers == null || !managers.isArray()) {
            throw new BridgeUnavailableException("managers answer without a 'managers' list");
        }
        List<ManagerOption> options = new ArrayList<>();
        for (JsonNode m : managers) {
            String id = text(m, "id");
            String name = text(m, "name");
            if (id != null && name != null) {
                options.add(new ManagerOption(id, name));
            }
        }
        return List.copyOf(options);
    }

    private static JsonNode read(byte[] json) throws BridgeUnavailableException {
        try {
            JsonNode root = MAPPER.readTree(json);
            if (root == null || !root.isObject()) {
                throw new BridgeUnavailableException("answer is not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new BridgeUnavailableException("answer is not JSON", e);
        }
    }

    /**
     * A new callback body with its own request id: two identical forms give two distinct signed calls (the bridge
     * refuses a call it has seen), and the id follows the call into both services' logs.
     */
    private static ObjectNode signedBody() {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("request_id", UUID.randomUUID().toString());
        return body;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static void putIfPresent(ObjectNode body, String field, String value) {
        if (value != null && !value.isEmpty()) {
            body.put(field, value);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
