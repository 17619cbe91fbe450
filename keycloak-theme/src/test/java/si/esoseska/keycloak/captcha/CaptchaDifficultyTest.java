package si.esoseska.keycloak.captcha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The work of this node's challenges: normal, harder after the bridge reports a flood, normal again later. */
class CaptchaDifficultyTest {

    private static final Instant T0 = Instant.parse("2026-12-04T20:00:00Z");

    private final CaptchaDifficulty difficulty = new CaptchaDifficulty(CaptchaOptions.read(
            Map.of("maxNumber", "50000", "attackMaxNumber", "500000", "attackSeconds", "600")::get));

    @Test
    void withoutAFloodTheWorkIsTheNormalOne() {
        assertEquals(50_000, difficulty.maxNumber(T0));
    }

    @Test
    void aReportedFloodRaisesTheWorkUntilItsDurationHasPassedSinceTheLastReport() {
        difficulty.floodReported(T0);
        assertEquals(500_000, difficulty.maxNumber(T0));
        assertEquals(500_000, difficulty.maxNumber(T0.plusSeconds(599)));
        difficulty.floodReported(T0.plusSeconds(300)); // the flood goes on
        assertEquals(500_000, difficulty.maxNumber(T0.plusSeconds(899)));
        assertEquals(50_000, difficulty.maxNumber(T0.plusSeconds(900)));
    }

    @Test
    void aLateAnswerOfAnEarlierReportDoesNotShortenTheRaise() {
        difficulty.floodReported(T0.plusSeconds(300));
        difficulty.floodReported(T0); // a slower request that saw the flood first
        assertEquals(500_000, difficulty.maxNumber(T0.plusSeconds(899)));
    }
}
