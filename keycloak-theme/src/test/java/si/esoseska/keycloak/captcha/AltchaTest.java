package si.esoseska.keycloak.captcha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ALTCHA's v1 challenge and payload as the widget 3.2.2 solves and posts them; attacks on the check. */
class AltchaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] KEY = "a-test-key-of-thirty-two-bytes-!".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-04T18:00:00Z");
    private static final int MAX = 2000;

    private final Altcha altcha = new Altcha(KEY);

    /** What the widget does: sha256(salt + n) for n = 0, 1, ... until it is the challenge. */
    static String solve(Altcha.Challenge challenge) {
        for (int n = 0; n <= challenge.maxNumber(); n++) {
            if (Altcha.sha256Hex(challenge.salt() + n).equals(challenge.challenge())) {
                return payload(challenge, n, challenge.signature());
            }
        }
        throw new AssertionError("unsolvable: " + challenge);
    }

    static String payload(Altcha.Challenge challenge, long number, String signature) {
        String json = JSON.createObjectNode()
                .put("algorithm", "SHA-256")
                .put("challenge", challenge.challenge())
                .put("number", number)
                .put("salt", challenge.salt())
                .put("signature", signature)
                .put("took", 12)
                .toString();
        return Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theChallengeHasTheFieldsTheWidgetReadsAndItsExpiryInTheSalt() throws Exception {
        Altcha.Challenge challenge = altcha.issue(MAX, NOW.plusSeconds(600));
        JsonNode json = JSON.readTree(challenge.toJson());
        assertEquals("SHA-256", json.get("algorithm").asText());
        assertEquals(MAX, json.get("maxnumber").asInt());
        assertTrue(json.get("salt")
                .asText()
                .endsWith("?expires=" + NOW.plusSeconds(600).getEpochSecond()));
        assertEquals(64, json.get("challenge").asText().length());
        assertEquals(
                altcha.hmacHex(challenge.challenge()), json.get("signature").asText());
    }

    @Test
    void aSolvedChallengeIsSolvedUntilItExpires() {
        Altcha.Challenge challenge = altcha.issue(MAX, NOW.plusSeconds(600));
        String solution = solve(challenge);
        Altcha.Verdict verdict = altcha.verify(solution, NOW);
        assertEquals(Altcha.Outcome.SOLVED, verdict.outcome());
        assertEquals(challenge.signature(), verdict.signature());
        assertEquals(
                Altcha.Outcome.SOLVED,
                altcha.verify(solution, NOW.plusSeconds(599)).outcome());
        assertEquals(
                Altcha.Outcome.EXPIRED,
                altcha.verify(solution, NOW.plusSeconds(600)).outcome());
    }

    @Test
    void aWrongNumberAForgedSignatureOrAnotherKeysChallengeIsForged() {
        Altcha.Challenge challenge = altcha.issue(MAX, NOW.plusSeconds(600));
        String solution = solve(challenge);
        long number = numberOf(solution);
        assertEquals(
                Altcha.Outcome.FORGED,
                altcha.verify(payload(challenge, number + 1, challenge.signature()), NOW)
                        .outcome());
        assertEquals(
                Altcha.Outcome.FORGED,
                altcha.verify(payload(challenge, number, "0".repeat(64)), NOW).outcome());
        Altcha attackers = new Altcha("the-attackers-own-key".getBytes(StandardCharsets.UTF_8));
        String selfSigned = solve(attackers.issue(MAX, NOW.plusSeconds(600)));
        assertEquals(Altcha.Outcome.FORGED, altcha.verify(selfSigned, NOW).outcome());
    }

    @Test
    void aSignedChallengeWithoutExpiryIsNotOurs() {
        String salt = "abcdef";
        String challenge = Altcha.sha256Hex(salt + 7);
        Altcha.Challenge noExpiry = new Altcha.Challenge(challenge, MAX, salt, altcha.hmacHex(challenge));
        assertEquals(Altcha.Outcome.FORGED, altcha.verify(solve(noExpiry), NOW).outcome());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "not base64!",
                "bm90LWpzb24=", // "not-json"
                "W10=", // []
                "eyJhbGdvcml0aG0iOiJTSEEtMSJ9", // {"algorithm":"SHA-1"}
            })
    void aPayloadThatIsNotTheWidgetsIsMalformed(String payload) {
        assertEquals(Altcha.Outcome.MALFORMED, altcha.verify(payload, NOW).outcome());
    }

    @Test
    void nothingOrAHugePayloadIsRefusedBeforeAnyWork() {
        assertEquals(Altcha.Outcome.MISSING, altcha.verify(null, NOW).outcome());
        assertEquals(Altcha.Outcome.MISSING, altcha.verify("  ", NOW).outcome());
        assertEquals(
                Altcha.Outcome.MALFORMED,
                altcha.verify("A".repeat(Altcha.MAX_PAYLOAD + 1), NOW).outcome());
    }

    @Test
    void theNumberMustBeAWholeNumberNotAString() {
        Altcha.Challenge challenge = altcha.issue(MAX, NOW.plusSeconds(600));
        long number = numberOf(solve(challenge));
        String json = "{\"algorithm\":\"SHA-256\",\"challenge\":\"" + challenge.challenge() + "\",\"number\":\""
                + number + "\",\"salt\":\"" + challenge.salt() + "\",\"signature\":\"" + challenge.signature() + "\"}";
        String payload = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(Altcha.Outcome.MALFORMED, altcha.verify(payload, NOW).outcome());
    }

    @Test
    void eachSolutionPassesTheCheckOnce() {
        Set<String> used = new HashSet<>();
        CaptchaCheck check = new CaptchaCheck(altcha, (key, seconds) -> {
            assertTrue(seconds > 0 && seconds <= 601, "kept until the challenge expires: " + seconds);
            return used.add(key);
        });
        String solution = solve(altcha.issue(MAX, NOW.plusSeconds(600)));
        assertTrue(check.problem(solution, NOW).isEmpty());
        assertEquals(
                CaptchaCheck.USED, check.problem(solution, NOW.plusSeconds(1)).orElseThrow());
        assertEquals(
                CaptchaCheck.EXPIRED,
                check.problem(solution, NOW.plusSeconds(601)).orElseThrow());
        assertTrue(check.problem(solve(altcha.issue(MAX, NOW.plusSeconds(600))), NOW)
                .isEmpty()); // a new one
    }

    @Test
    void theCheckNamesEachProblemAndRecordsOnlySolvedOnes() {
        Set<String> used = new HashSet<>();
        CaptchaCheck check = new CaptchaCheck(altcha, (key, seconds) -> used.add(key));
        Altcha.Challenge challenge = altcha.issue(MAX, NOW.plusSeconds(600));
        assertEquals(CaptchaCheck.MISSING, check.problem("", NOW).orElseThrow());
        assertEquals(CaptchaCheck.INVALID, check.problem("bm90LWpzb24=", NOW).orElseThrow());
        assertEquals(
                CaptchaCheck.INVALID,
                check.problem(payload(challenge, -1, challenge.signature()), NOW)
                        .orElseThrow());
        assertTrue(used.isEmpty());
    }

    private static long numberOf(String payload) {
        try {
            return JSON.readTree(Base64.getDecoder().decode(payload))
                    .get("number")
                    .asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
