package si.esoseska.keycloak.captcha;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the form says about a posted solution: nothing when it is solved, signed, not expired and used for the first
 * time; else the message key of the field error. Each solution is let through once: its signature is recorded
 * until its challenge expires (a replay within that time is refused, a later one is expired anyway).
 */
public final class CaptchaCheck {

    public static final String MISSING = "captchaMissing";
    public static final String INVALID = "captchaInvalid";
    public static final String EXPIRED = "captchaExpired";
    public static final String USED = "captchaUsed";
    public static final String UNAVAILABLE = "captchaUnavailable";

    /** Where the signatures of used solutions are kept (Keycloak's single-use store, or a set in the tests). */
    @FunctionalInterface
    public interface UsedSolutions {
        /** Records the key for this long; false when it was recorded already (a replay). */
        boolean firstUse(String key, long lifespanSeconds);
    }

    static final String KEY_PREFIX = "esoseska-altcha:";

    private final Altcha altcha;
    private final UsedSolutions used;

    public CaptchaCheck(Altcha altcha, UsedSolutions used) {
        this.altcha = altcha;
        this.used = used;
    }

    public Optional<String> problem(String payload, Instant now) {
        Altcha.Verdict verdict = altcha.verify(payload, now);
        return switch (verdict.outcome()) {
            case MISSING -> Optional.of(MISSING);
            case MALFORMED, FORGED -> Optional.of(INVALID);
            case EXPIRED -> Optional.of(EXPIRED);
            case SOLVED -> {
                long lifespan =
                        Math.max(1, Duration.between(now, verdict.expires()).toSeconds() + 1);
                yield used.firstUse(KEY_PREFIX + verdict.signature(), lifespan) ? Optional.empty() : Optional.of(USED);
            }
        };
    }
}
