package si.esoseska.keycloak.payer;

import java.util.List;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.bridge.BridgeClient;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.ClaimResult;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.bridge.VerifyResult;
import si.esoseska.keycloak.captcha.CaptchaProvider;
import si.esoseska.keycloak.organization.ManagerOrganizations;

/**
 * Verify → claim → link, the one way a payer account comes to a user (at registration and with "Dodaj upravnika"):
 * {@link #verify} asks the bridge whether payer code and bill password match (no side effects); {@link #claimAndLink}
 * claims the payer for the user and, only once the claim is the user's, adds the manager and payer account to the
 * user and makes the user a member of the manager's organization (in the caller's transaction, with the links). Every failure is an {@link Outcome} with the messages the resident sees (one mapping for both pages): an
 * unknown payer and a wrong bill password read the same, and a bridge that is down or refuses reads "try again
 * later". The callers roll back their transaction on a failed claim, so no half-made account or link remains.
 */
public final class PayerLinking {

    private static final Logger LOG = Logger.getLogger(PayerLinking.class);

    /** The bridge's two calls that linking needs. */
    public interface Bridge {
        VerifyResult verify(VerifyRequest request) throws BridgeUnavailableException;

        ClaimResult claim(String ticket, String userId) throws BridgeUnavailableException;
    }

    /** The managers' organizations: membership comes with the claim. */
    public interface Memberships {
        /** Makes the user a member of the manager's enabled organization; false if it has none. */
        boolean join(UserModel user, String managerId);
    }

    /** What came of a step. */
    public enum Status {
        /** Payer code and bill password match; {@link Outcome#verified()} holds the bridge's answer. */
        VERIFIED,
        /** They do not match (or the input is wrong); the messages say which field. */
        NOT_VERIFIED,
        /** The payer is the user's now, and the user carries the manager and payer account. */
        LINKED,
        /** Another account claimed the payer between the check and the claim. */
        CLAIMED_BY_OTHER,
        /** The manager's organization was disabled or removed between the check and the claim. */
        MANAGER_CLOSED,
        /** The bridge could not answer (down, slow, refused the signature, no secret): try again later. */
        UNAVAILABLE
    }

    /** A step's status, the bridge's answer when verified, and the messages for the page when not ok. */
    public record Outcome(Status status, VerifyResult verified, List<FormMessage> messages) {

        public boolean ok() {
            return status == Status.VERIFIED || status == Status.LINKED;
        }

        /** The first message's key, for an error page that shows one. */
        public String messageKey() {
            return messages.isEmpty() ? null : messages.get(0).getMessage();
        }

        static Outcome of(Status status) {
            return new Outcome(status, null, List.of());
        }

        static Outcome failed(Status status, String messageKey) {
            return new Outcome(status, null, List.of(new FormMessage(null, messageKey)));
        }
    }

    private final Bridge bridge;
    private final Memberships memberships;
    private final String correlationId;

    public PayerLinking(Bridge bridge, Memberships memberships, String correlationId) {
        this.bridge = bridge;
        this.memberships = memberships;
        this.correlationId = correlationId;
    }

    /**
     * Linking through the bridge client, which sends the correlation id with each call, and the session's
     * organizations.
     */
    public static PayerLinking over(KeycloakSession session, BridgeClient client, String correlationId) {
        BridgeClient calls = client.withCorrelationId(correlationId);
        return new PayerLinking(
                new Bridge() {
                    @Override
                    public VerifyResult verify(VerifyRequest request) throws BridgeUnavailableException {
                        VerifyResult result = calls.verify(request);
                        if (result.captchaRequired()) { // a flood of failed checks: harder challenges from now
                            session.getProvider(CaptchaProvider.class).floodReported();
                        }
                        return result;
                    }

                    @Override
                    public ClaimResult claim(String ticket, String userId) throws BridgeUnavailableException {
                        return calls.claim(ticket, userId);
                    }
                },
                (user, managerId) -> ManagerOrganizations.join(session, user, managerId),
                correlationId);
    }

    public Outcome verify(VerifyRequest request) {
        long started = System.nanoTime();
        VerifyResult result;
        try {
            result = bridge.verify(request);
        } catch (BridgeUnavailableException e) {
            LOG.warnf("payer check unavailable: %s correlation_id=%s", e.getMessage(), correlationId);
            return Outcome.failed(Status.UNAVAILABLE, Messages.PAYER_CHECK_UNAVAILABLE);
        }
        LOG.infof(
                "payer check manager=%s verified=%s bridge_ms=%s correlation_id=%s",
                request.managerId(), result.verified(), millisSince(started), correlationId);
        if (!result.verified()) {
            return new Outcome(
                    Status.NOT_VERIFIED,
                    null,
                    result.errors().stream()
                            .map(error -> new FormMessage(Messages.formField(error), Messages.messageKey(error)))
                            .toList());
        }
        return new Outcome(Status.VERIFIED, result, List.of());
    }

    /** Claims the verified payer for the user, then links it to the user; nothing is linked unless claimed. */
    public Outcome claimAndLink(UserModel user, VerifyResult verified) {
        long started = System.nanoTime();
        ClaimResult claim;
        try {
            claim = bridge.claim(verified.ticket(), user.getId());
        } catch (BridgeUnavailableException e) {
            LOG.warnf(
                    "payer claim for user %s failed: %s correlation_id=%s",
                    user.getId(), e.getMessage(), correlationId);
            return Outcome.failed(Status.UNAVAILABLE, Messages.PAYER_CHECK_UNAVAILABLE);
        }
        String bridgeMs = millisSince(started);
        if (claim == ClaimResult.CLAIMED_BY_OTHER) {
            LOG.infof(
                    "payer claim user=%s result=%s bridge_ms=%s correlation_id=%s",
                    user.getId(), claim, bridgeMs, correlationId);
            return Outcome.failed(Status.CLAIMED_BY_OTHER, Messages.PAYER_CLAIMED_MEANWHILE);
        }
        long linking = System.nanoTime();
        for (String managerId : verified.attributes().getOrDefault(UserLinks.MANAGERS, List.of())) {
            if (!memberships.join(user, managerId)) {
                LOG.warnf(
                        "payer claim user=%s: manager %s has no enabled organization; not linked correlation_id=%s",
                        user.getId(), managerId, correlationId);
                return new Outcome(
                        Status.MANAGER_CLOSED,
                        null,
                        List.of(new FormMessage(PayerForm.MANAGER_ID, Messages.MANAGER_UNKNOWN)));
            }
        }
        UserLinks.add(user, verified.attributes());
        // the claim's line once linked, with what linking took (organization membership and attributes)
        LOG.infof(
                "payer claim user=%s result=%s bridge_ms=%s link_ms=%s correlation_id=%s",
                user.getId(), claim, bridgeMs, millisSince(linking), correlationId);
        return Outcome.of(Status.LINKED);
    }

    /** Milliseconds since {@code started}, to a tenth (the calls take a few ms: whole ms hid what changed). */
    private static String millisSince(long started) {
        long tenths = (System.nanoTime() - started) / 100_000;
        return tenths / 10 + "." + tenths % 10;
    }
}
