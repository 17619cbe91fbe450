package si.esoseska.keycloak.captcha;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * How much work this Keycloak node's challenges ask for now: the normal maxnumber, or the attack maxnumber from the
 * bridge's report of a flood of failed payer checks ({@code captcha_required} in its verify answers) until the
 * attack duration has passed since its last report. One per node (the factory's): each node learns of a flood from
 * the verify answers it gets itself, and a flood reaches every node behind the load balancer.
 */
public final class CaptchaDifficulty {

    private static final Logger LOG = Logger.getLogger(CaptchaDifficulty.class);

    private final CaptchaOptions options;
    private final AtomicReference<Instant> raisedUntil = new AtomicReference<>(Instant.MIN);

    public CaptchaDifficulty(CaptchaOptions options) {
        this.options = options;
    }

    /** The bridge reported a flood now: harder challenges from now until the attack duration has passed. */
    public void floodReported(Instant now) {
        Instant until = now.plus(options.attackDuration());
        Instant before = raisedUntil.getAndAccumulate(until, (a, b) -> a.isAfter(b) ? a : b);
        if (!before.isAfter(now)) {
            LOG.warnf(
                    "the bridge reports a flood of failed payer checks: captcha challenges ask for maxnumber %d instead"
                            + " of %d until %d s after its last report",
                    options.attackMaxNumber(),
                    options.maxNumber(),
                    options.attackDuration().toSeconds());
        }
    }

    /** The maxnumber of a challenge issued now. */
    public int maxNumber(Instant now) {
        return now.isBefore(raisedUntil.get()) ? options.attackMaxNumber() : options.maxNumber();
    }
}
