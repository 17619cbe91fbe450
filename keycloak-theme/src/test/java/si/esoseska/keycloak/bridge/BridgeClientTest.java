package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against a real HTTP server on a free local port. */
class BridgeClientTest {

    private static final String SECRET = "java-client-test-secret";
    private static final long NOW = 1_735_689_600L;
    private static final String VERIFIED = "{\"ok\":true,\"ticket\":\"tkt.1\",\"attributes\":"
            + "{\"managers\":[\"staninvest\"],\"payer_accounts\":[\"staninvest:100200\"]}}";
    private static final VerifyRequest REQUEST =
            new VerifyRequest("staninvest", "100200", "Šifra-č", "ana@example.si", "198.51.100.7", "sl");

    /** One request as the server saw it. */
    private record Seen(String method, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    private interface Answer {
        void answer(HttpExchange exchange) throws Exception;
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private ExecutorService executor;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void route(String path, Answer answer) {
        server.createContext(path, exchange -> {
            try {
                seen.add(new Seen(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        Map.copyOf(exchange.getRequestHeaders()),
                        exchange.getRequestBody().readAllBytes()));
                answer.answer(exchange);
            } catch (Exception e) {
                // the client gave up (timeout) or the test ended
            } finally {
                exchange.close();
            }
        });
    }

    private static Answer json(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        };
    }

    private BridgeSettings settings(int timeoutMs) {
        return BridgeSettings.of(
                "http://127.0.0.1:" + server.getAddress().getPort(), SECRET, Duration.ofMillis(timeoutMs));
    }

    private BridgeClient client(int timeoutMs) {
        return new BridgeClient(settings(timeoutMs), Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
    }

    // --- (a) the signature --------------------------------------------------------------------------

    @Test
    void verifyIsSignedOverTheExactBodySent() throws Exception {
        route("/v1/registrations/verify", json(200, VERIFIED));

        VerifyResult result = client(2000).verify(REQUEST);

        assertEquals(1, seen.size());
        Seen request = seen.get(0);
        assertEquals("POST", request.method());
        assertEquals("/v1/registrations/verify", request.path());
        assertEquals(
                new CallbackSigner(SECRET).header(NOW, "POST", "/v1/registrations/verify", request.body()),
                request.header("X-Signature"));
        assertTrue(request.header("Content-Type").startsWith("application/json"));
        JsonNode body = new ObjectMapper().readTree(request.body());
        assertEquals("Šifra-č", body.get("bill_password").textValue());
        assertEquals("100200", body.get("payer_code").textValue());

        assertTrue(result.verified());
        assertEquals("tkt.1", result.ticket());
        assertEquals(List.of("staninvest:100200"), result.attributes().get("payer_accounts"));
    }

    @Test
    void theCallsOfOneRegistrationCarryItsCorrelationId() throws Exception {
        route("/v1/registrations/verify", json(200, VERIFIED));
        route("/v1/registrations/claims", json(201, "{\"status\":\"claimed\"}"));
        BridgeClient registration = client(2000).withCorrelationId("kc-0123456789abcdef");

        registration.verify(REQUEST);
        registration.claim("tkt.1", "user-1");
        client(2000).verify(REQUEST);

        assertEquals("kc-0123456789abcdef", seen.get(0).header(BridgeClient.CORRELATION_HEADER));
        assertEquals("kc-0123456789abcdef", seen.get(1).header(BridgeClient.CORRELATION_HEADER));
        assertEquals(null, seen.get(2).header(BridgeClient.CORRELATION_HEADER));
    }

    @Test
    void underABasePathTheCallGoesThereButTheBridgesOwnPathIsSigned() throws Exception {
        // bridgeUrl http://host/bridge: the bridge is mounted at /bridge (proxy prefix or SCRIPT_NAME) and routes
        // /v1/registrations/verify, so that is what it checks the signature against
        route("/bridge/v1/registrations/verify", json(200, VERIFIED));
        BridgeSettings underBase = BridgeSettings.of(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/bridge", SECRET, Duration.ofSeconds(3));

        new BridgeClient(underBase, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC)).verify(REQUEST);

        Seen request = seen.get(0);
        assertEquals("/bridge/v1/registrations/verify", request.path());
        assertEquals(
                new CallbackSigner(SECRET).header(NOW, "POST", "/v1/registrations/verify", request.body()),
                request.header("X-Signature"));
    }

    @Test
    void claimIsSignedToo() throws Exception {
        route("/v1/registrations/claims", json(201, "{\"status\":\"claimed\"}"));
        client(2000).claim("tkt.1", "user-1");
        Seen request = seen.get(0);
        assertEquals(
                new CallbackSigner(SECRET).header(NOW, "POST", "/v1/registrations/claims", request.body()),
                request.header("X-Signature"));
        assertEquals(
                "user-1",
                new ObjectMapper().readTree(request.body()).get("user_id").textValue());
    }

    @Test
    void aManagerIsASignedPutOfItsOrganization() throws Exception {
        route("/v1/managers/", json(200, "{\"id\":\"staninvest\"}"));
        client(2000).putManager("staninvest", "Staninvest d.o.o.", "info@staninvest.si", false);
        Seen request = seen.get(0);
        assertEquals("PUT", request.method());
        assertEquals("/v1/managers/staninvest", request.path());
        assertEquals(
                new CallbackSigner(SECRET).header(NOW, "PUT", "/v1/managers/staninvest", request.body()),
                request.header("X-Signature"));
        JsonNode body = new ObjectMapper().readTree(request.body());
        assertEquals("Staninvest d.o.o.", body.get("name").textValue());
        assertEquals("info@staninvest.si", body.get("contact_email").textValue());
        assertEquals(false, body.get("enabled").booleanValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Staninvest d.o.o.", "stan:invest", "", "Staninvest"})
    void anAliasThatCanNotBeAManagerIsNotSent(String alias) {
        route("/", json(200, "{}"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).putManager(alias, "Staninvest", null, true));
        assertEquals(0, seen.size());
    }

    @Test
    void aManagerTheBridgeRefusesIsUnavailable() {
        route("/v1/managers/", json(400, "{\"error\":\"invalid_request\"}"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).putManager("x", "X", null, true));
    }

    @Test
    void withoutASecretNothingIsSent() {
        route("/", json(200, VERIFIED));
        BridgeSettings noSecret =
                BridgeSettings.of("http://127.0.0.1:" + server.getAddress().getPort(), "", Duration.ofSeconds(3));
        assertThrows(BridgeUnavailableException.class, () -> new BridgeClient(noSecret).verify(REQUEST));
        assertThrows(BridgeUnavailableException.class, () -> new BridgeClient(noSecret).claim("t", "u"));
        assertEquals(List.of(), seen);
    }

    @Test
    void rejectedPayerIsAnAnswerNotAnOutage() throws Exception {
        route(
                "/v1/registrations/verify",
                json(200, "{\"ok\":false,\"errors\":[{\"field\":\"bill_password\",\"code\":\"payer_not_verified\"}]}"));
        VerifyResult result = client(2000).verify(REQUEST);
        assertEquals(List.of(new VerifyResult.FieldError("bill_password", "payer_not_verified")), result.errors());
    }

    // --- (b) claim answers ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {200, 201})
    void claimedOrAlreadyYoursIsClaimed(int status) throws Exception {
        route("/v1/registrations/claims", json(status, "{\"status\":\"claimed\"}"));
        assertEquals(ClaimResult.CLAIMED, client(2000).claim("tkt.1", "user-1"));
    }

    @Test
    void conflictOnClaimIsClaimedByOther() throws Exception {
        route("/v1/registrations/claims", json(409, "{\"error\":\"payer_already_claimed\"}"));
        assertEquals(ClaimResult.CLAIMED_BY_OTHER, client(2000).claim("tkt.1", "user-2"));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 500, 502, 503})
    void otherClaimAnswersMeanUnavailable(int status) {
        route("/v1/registrations/claims", json(status, "{\"error\":\"x\"}"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).claim("tkt.1", "user-1"));
    }

    // --- (c) a slow bridge ----------------------------------------------------------------------------

    @Test
    void slowBridgeTimesOutWithinRoughlyTheTimeout() {
        route("/v1/registrations/verify", exchange -> {
            release.await(10, TimeUnit.SECONDS);
            json(200, VERIFIED).answer(exchange);
        });
        int timeoutMs = 300;
        long start = System.nanoTime();
        assertThrows(BridgeUnavailableException.class, () -> client(timeoutMs).verify(REQUEST));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMs >= timeoutMs - 50, "gave up too early: " + elapsedMs + " ms");
        assertTrue(elapsedMs < timeoutMs + 1500, "waited far beyond the timeout: " + elapsedMs + " ms");
    }

    // --- (d) nobody listening -------------------------------------------------------------------------

    @Test
    void connectionRefusedIsUnavailable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        BridgeSettings closed = BridgeSettings.of("http://127.0.0.1:" + port, SECRET, Duration.ofMillis(2000));
        long start = System.nanoTime();
        assertThrows(BridgeUnavailableException.class, () -> new BridgeClient(closed).verify(REQUEST));
        assertThrows(BridgeUnavailableException.class, () -> new BridgeClient(closed).managers());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 4000);
    }

    @Test
    void aSignedCallIsSentOnceEvenWhenTheBridgeHangsUpWithoutAnAnswer() {
        // an HTTP client that quietly sent the POST again would turn one registration into two payer checks
        route("/v1/registrations/verify", exchange -> {});
        assertThrows(BridgeUnavailableException.class, () -> client(2000).verify(REQUEST));
        assertEquals(1, seen.size());
    }

    // --- (e) the bridge refuses the signature -------------------------------------------------------

    @Test
    void refusedSignatureIsUnavailableAndSaysWhy() {
        route("/v1/registrations/verify", json(401, "{\"error\":\"invalid_signature\"}"));
        BridgeUnavailableException e = assertThrows(
                BridgeUnavailableException.class, () -> client(2000).verify(REQUEST));
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertTrue(e.getMessage().contains("callback secret"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {201, 204, 302, 400, 413, 500, 503})
    void anyVerifyAnswerButOkIsUnavailable(int status) {
        route("/v1/registrations/verify", json(status, status == 204 ? "" : VERIFIED));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).verify(REQUEST));
    }

    @Test
    void garbageWithStatus200IsUnavailable() {
        route("/v1/registrations/verify", json(200, "<html>proxy error</html>"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).verify(REQUEST));
    }

    // --- inquiries ------------------------------------------------------------------------------------

    private static final InquiryRequest INQUIRY = new InquiryRequest(
            "staninvest", "Žiga Čeč", "ziga@example.si", "Pozdravljeni,\r\nkdaj bo obračun?", "198.51.100.7", "sl");

    @Test
    void inquiryIsASignedPostOfTheFields() throws Exception {
        route("/v1/inquiries", json(202, "{\"ok\":true,\"manager_name\":\"Staninvest d.o.o.\"}"));

        InquiryResult result = client(2000).sendInquiry(INQUIRY);

        assertEquals(1, seen.size());
        Seen request = seen.get(0);
        assertEquals("POST", request.method());
        assertEquals("/v1/inquiries", request.path());
        assertEquals(
                new CallbackSigner(SECRET).header(NOW, "POST", "/v1/inquiries", request.body()),
                request.header("X-Signature"));
        assertTrue(request.header("Content-Type").startsWith("application/json"));
        JsonNode body = new ObjectMapper().readTree(request.body());
        assertEquals("Žiga Čeč", body.get("name").textValue());
        assertEquals("Pozdravljeni,\r\nkdaj bo obračun?", body.get("message").textValue());
        assertEquals("198.51.100.7", body.get("client_ip").textValue());

        assertEquals(new InquiryResult(InquiryResult.Outcome.SENT, "Staninvest d.o.o.", List.of()), result);
    }

    @Test
    void inquiryWithFieldErrorsIsRejectedNotAnOutage() throws Exception {
        route(
                "/v1/inquiries",
                json(200, "{\"ok\":false,\"errors\":[{\"field\":\"manager_id\",\"code\":\"no_inquiries\"}]}"));
        InquiryResult result = client(2000).sendInquiry(INQUIRY);
        assertEquals(InquiryResult.Outcome.REJECTED, result.outcome());
        assertEquals(List.of(new VerifyResult.FieldError("manager_id", "no_inquiries")), result.errors());
    }

    @Test
    void tooManyInquiriesIsRateLimited() throws Exception {
        route("/v1/inquiries", json(429, "{\"error\":\"rate_limited\"}"));
        assertEquals(
                InquiryResult.Outcome.RATE_LIMITED,
                client(2000).sendInquiry(INQUIRY).outcome());
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 404, 500, 503})
    void otherInquiryAnswersMeanUnavailable(int status) {
        route("/v1/inquiries", json(status, "{\"error\":\"mail_unavailable\"}"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).sendInquiry(INQUIRY));
    }

    @Test
    void inquiryWithoutASecretIsNotSent() {
        route("/", json(202, "{\"ok\":true}"));
        BridgeSettings noSecret =
                BridgeSettings.of("http://127.0.0.1:" + server.getAddress().getPort(), "", Duration.ofSeconds(3));
        assertThrows(BridgeUnavailableException.class, () -> new BridgeClient(noSecret).sendInquiry(INQUIRY));
        assertEquals(List.of(), seen);
    }

    @Test
    void slowInquiryTimesOut() {
        route("/v1/inquiries", exchange -> {
            release.await(10, TimeUnit.SECONDS);
            json(202, "{\"ok\":true}").answer(exchange);
        });
        long start = System.nanoTime();
        assertThrows(BridgeUnavailableException.class, () -> client(300).sendInquiry(INQUIRY));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1800);
    }

    // --- the manager list ----------------------------------------------------------------------------

    @Test
    void managersAreFetchedWithAGet() throws Exception {
        route("/v1/managers", json(200, "{\"managers\":[{\"id\":\"staninvest\",\"name\":\"Staninvest d.o.o.\"}]}"));
        assertEquals(
                List.of(new ManagerOption("staninvest", "Staninvest d.o.o.")),
                client(2000).managers());
        assertEquals("GET", seen.get(0).method());
    }

    @Test
    void managersErrorIsUnavailable() {
        route("/v1/managers", json(503, "{\"status\":\"unavailable\"}"));
        assertThrows(BridgeUnavailableException.class, () -> client(2000).managers());
    }
}
