package si.esoseska.keycloak.bridge;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls the registration bridge: signed POSTs for the payer check and the claim, and the manager list.
 * Every call has the configured timeout; any failure becomes a {@link BridgeUnavailableException}.
 */
public final class BridgeClient {

    private static final Map<Duration, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    /** Sent with every call of one registration, and logged on both sides, to follow it across the services. */
    public static final String CORRELATION_HEADER = "X-Correlation-Id";

    private final BridgeSettings settings;
    private final Clock clock;
    private final HttpClient http;
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
        this.http = CLIENTS.computeIfAbsent(settings.timeout(), timeout -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
    }

    /** This client, sending the given correlation id with each call. */
    public BridgeClient withCorrelationId(String id) {
        return new BridgeClient(settings, clock, id);
    }

    public VerifyResult verify(VerifyRequest request) throws BridgeUnavailableException {
        HttpResponse<byte[]> response = postSigned("v1/registrations/verify", BridgeJson.verifyBody(request));
        if (response.statusCode() != 200) {
            throw unexpected("verify", response);
        }
        return BridgeJson.parseVerify(response.body());
    }

    public ClaimResult claim(String ticket, String userId) throws BridgeUnavailableException {
        HttpResponse<byte[]> response = postSigned("v1/registrations/claims", BridgeJson.claimBody(ticket, userId));
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
        HttpResponse<byte[]> response = postSigned("v1/claims/sync", BridgeJson.claimSyncBody(userId, payerAccounts));
        if (response.statusCode() != 200) {
            throw unexpected("claim sync", response);
        }
    }

    public InquiryResult sendInquiry(InquiryRequest inquiry) throws BridgeUnavailableException {
        HttpResponse<byte[]> response = postSigned("v1/inquiries", BridgeJson.inquiryBody(inquiry));
        return BridgeJson.parseInquiry(response.statusCode(), response.body());
    }

    public List<ManagerOption> managers() throws BridgeUnavailableException {
        HttpRequest request = HttpRequest.newBuilder(settings.resolve("v1/managers"))
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() != 200) {
            throw unexpected("managers", response);
        }
        return BridgeJson.parseManagers(response.body());
    }

    private HttpResponse<byte[]> postSigned(String path, byte[] body) throws BridgeUnavailableException {
        if (!settings.hasSecret()) {
            throw new BridgeUnavailableException("no callback secret is configured for the payer check");
        }
        String signature = new CallbackSigner(settings.callbackSecret()).header(clock.instant().getEpochSecond(), body);
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.resolve(path))
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header(CallbackSigner.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (correlationId != null) {
            request.header(CORRELATION_HEADER, correlationId);
        }
        return send(request.build());
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws BridgeUnavailableException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new BridgeUnavailableException("bridge unreachable at " + request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BridgeUnavailableException("interrupted while calling the bridge", e);
        }
    }

    private static BridgeUnavailableException unexpected(String call, HttpResponse<byte[]> response) {
        String hint = response.statusCode() == 401 ? " (signature refused: do both sides have the same callback secret?)" : "";
        return new BridgeUnavailableException(call + " answered HTTP " + response.statusCode() + hint);
    }
}
