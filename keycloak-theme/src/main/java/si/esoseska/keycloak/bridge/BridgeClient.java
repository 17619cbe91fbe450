package si.esoseska.keycloak.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls the registration bridge: signed POSTs for the payer check and the claim, and the manager list.
 * Every call has the configured timeout (to connect, and then for the answer to arrive); any failure becomes a
 * {@link BridgeUnavailableException}.
 *
 * <p>The calls are blocking {@link HttpURLConnection}s made in the calling thread, which waits for them anyway: the
 * asynchronous {@code java.net.http.HttpClient} handed each call between its own threads, and with Keycloak's other
 * work on the same cores that cost 1 to 2 ms per call (measured: 3.2 ms against 2.0 ms for the same call). Never
 * through a proxy: the bridge is the deployment's own service. Bodies are sent in fixed-length streaming mode, so a
 * signed call is never silently sent twice.
 */
public final class BridgeClient {

    /** A status and the body that came with it (also for error statuses). */
    private record Answer(int statusCode, byte[] body) {}

    /** Sent with every call of one registration, and logged on both sides, to follow it across the services. */
    public static final String CORRELATION_HEADER = "X-Correlation-Id";

    /** A manager's id, its organization's alias: the manager part of a payer account {@code <manager>:<code>}. */
    public static final java.util.regex.Pattern MANAGER_ALIAS =
            java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    private final BridgeSettings settings;
    private final Clock clock;
    private final String correlationId;

    public BridgeClient(BridgeSettings settings) {
        this(settings, Clock.systemUTC(), null);
    }

    BridgeClient(BridgeSettings settings, Clock clock) {
        this(settings, clock, null);
    }

    private BridgeClient(BridgeSettings settings, Clock clock, String correlationId) {
        this.settings = settings;
        this.clock = clock;
        this.correlationId = correlationId;
    }

    /** This client, sending the given correlation id with each call. */
    public BridgeClient withCorrelationId(String id) {
        return new BridgeClient(settings, clock, id);
    }

    public VerifyResult verify(VerifyRequest request) throws BridgeUnavailableException {
        Answer response = postSigned("v1/registrations/verify", BridgeJson.verifyBody(request));
        if (response.statusCode() != 200) {
            throw unexpected("verify", response);
        }
        return BridgeJson.parseVerify(response.body());
    }

    public ClaimResult claim(String ticket, String userId) throws BridgeUnavailableException {
        Answer response = postSigned("v1/registrations/claims", BridgeJson.claimBody(ticket, userId));
        return switch (response.statusCode()) {
            case 200, 201 -> ClaimResult.CLAIMED;
            case 409 -> ClaimResult.CLAIMED_BY_OTHER;
            default -> throw unexpected("claim", response);
        };
    }

    /**
     * Tells the bridge which payer accounts a user still has (none once deleted); it releases the user's other
     * claims, so those payers can be registered again.
     */
    public void syncClaims(String userId, List<String> payerAccounts) throws BridgeUnavailableException {
        Answer response = postSigned("v1/claims/sync", BridgeJson.claimSyncBody(userId, payerAccounts));
        if (response.statusCode() != 200) {
            throw unexpected("claim sync", response);
        }
    }

    public InquiryResult sendInquiry(InquiryRequest inquiry) throws BridgeUnavailableException {
        Answer response = postSigned("v1/inquiries", BridgeJson.inquiryBody(inquiry));
        return BridgeJson.parseInquiry(response.statusCode(), response.body());
    }

    /**
     * Tells the bridge what a manager's organization is now: its name, contact address for inquiries (null: none)
     * and whether it takes registrations (false also for a deleted organization). The bridge keys it by alias, a
     * slug such as {@code staninvest} ({@link #MANAGER_ALIAS}).
     */
    public void putManager(String alias, String name, String contactEmail, boolean enabled)
            throws BridgeUnavailableException {
        if (alias == null || !MANAGER_ALIAS.matcher(alias).matches()) {
            throw new BridgeUnavailableException("the alias " + alias + " can not be a manager's id (a slug such as"
                    + " staninvest: lower-case letters, digits and '-')");
        }
        Answer response = signed("PUT", "v1/managers/" + alias, BridgeJson.managerBody(name, contactEmail, enabled));
        if (response.statusCode() != 200) {
            throw unexpected("manager update", response);
        }
    }

    public List<ManagerOption> managers() throws BridgeUnavailableException {
        Answer response = send("GET", settings.resolve("v1/managers"), Map.of("Accept", "application/json"), null);
        if (response.statusCode() != 200) {
            throw unexpected("managers", response);
        }
        return BridgeJson.parseManagers(response.body());
    }

    /**
     * POSTs a signed call to an endpoint given relative to the bridge's base URL. The signature covers the method, the
     * endpoint's path as the bridge routes it ({@code /v1/...}) and the body: with a bridgeUrl that has a base path
     * ({@code https://host/bridge}) the call goes to {@code /bridge/v1/...}, but {@code /v1/...} is signed, because
     * the bridge is mounted there (a proxy strips the prefix, or gunicorn's SCRIPT_NAME) and sees that path.
     */
    private Answer postSigned(String path, byte[] body) throws BridgeUnavailableException {
        return signed("POST", path, body);
    }

    /** A signed call with another method (see {@link #postSigned}). */
    private Answer signed(String method, String path, byte[] body) throws BridgeUnavailableException {
        if (!settings.hasSecret()) {
            throw new BridgeUnavailableException("no callback secret is configured for the payer check");
        }
        String route = path.startsWith("/") ? path : "/" + path;
        String signature = new CallbackSigner(settings.callbackSecret())
                .header(clock.instant().getEpochSecond(), method, route, body);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        headers.put(CallbackSigner.HEADER, signature);
        if (correlationId != null) {
            headers.put(CORRELATION_HEADER, correlationId);
        }
        return send(method, settings.resolve(path), headers, body);
    }

    private Answer send(String method, URI uri, Map<String, String> headers, byte[] body)
            throws BridgeUnavailableException {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            connection.setRequestMethod(method);
            connection.setConnectTimeout(timeoutMs);
            connection.setReadTimeout(timeoutMs);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            headers.forEach(connection::setRequestProperty);
            if (body != null) {
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            InputStream answer = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            if (answer == null) {
                return new Answer(status, new byte[0]);
            }
            try (answer) { // read to the end and closed: the connection may then serve the next call
                return new Answer(status, answer.readAllBytes());
            }
        } catch (IOException | IllegalArgumentException e) {
            if (connection != null) {
                connection.disconnect();
            }
            throw new BridgeUnavailableException("bridge unreachable at " + uri + ": " + e, e);
        }
    }

    private static BridgeUnavailableException unexpected(String call, Answer response) {
        String hint = response.statusCode() == 401
                ? " (signature refused: do both sides have the same callback secret?)"
                : "";
        return new BridgeUnavailableException(call + " answered HTTP " + response.statusCode() + hint);
    }
}
