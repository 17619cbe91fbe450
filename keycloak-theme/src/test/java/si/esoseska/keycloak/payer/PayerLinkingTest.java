package si.esoseska.keycloak.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.FormMessage;
import si.esoseska.keycloak.bridge.BridgeUnavailableException;
import si.esoseska.keycloak.bridge.ClaimResult;
import si.esoseska.keycloak.bridge.VerifyRequest;
import si.esoseska.keycloak.bridge.VerifyResult;

/** Verify → claim → link against a fake bridge: what the resident sees, and what the user carries afterwards. */
class PayerLinkingTest {

    private static final VerifyRequest REQUEST =
            new VerifyRequest("staninvest", "100200", "Geslo-1", "ana@example.si", "198.51.100.7", "sl");
    private static final VerifyResult VERIFIED = VerifyResult.verified(
            "tkt.1", Map.of("managers", List.of("staninvest"), "payer_accounts", List.of("staninvest:100200")));

    /** A bridge that answers as told and records the calls. */
    private static final class FakeBridge implements PayerLinking.Bridge {
        VerifyResult verifyAnswer = VERIFIED;
        ClaimResult claimAnswer = ClaimResult.CLAIMED;
        boolean down;
        final List<String> calls = new ArrayList<>();

        @Override
        public VerifyResult verify(VerifyRequest request) throws BridgeUnavailableException {
            calls.add("verify " + request.payerCode());
            if (down) {
                throw new BridgeUnavailableException("bridge unreachable");
            }
            return verifyAnswer;
        }

        @Override
        public ClaimResult claim(String ticket, String userId) throws BridgeUnavailableException {
            calls.add("claim " + ticket + " " + userId);
            if (down) {
                throw new BridgeUnavailableException("claim answered HTTP 503");
            }
            return claimAnswer;
        }
    }

    private final FakeBridge bridge = new FakeBridge();
    /** The managers with an enabled organization; each join is recorded among the bridge's calls, in order. */
    private final Set<String> openOrganizations = new HashSet<>(Set.of("staninvest"));

    private final PayerLinking.Memberships memberships = (member, managerId) -> {
        bridge.calls.add("join " + member.getId() + " " + managerId);
        return openOrganizations.contains(managerId);
    };
    private final PayerLinking linking = new PayerLinking(bridge, memberships, "kc-0123456789abcdef");
    private final Map<String, List<String>> attributes = new HashMap<>();
    private final UserModel user = user("user-1", attributes);

    /** A user with an id and attributes; nothing else of UserModel is needed here. */
    private static UserModel user(String id, Map<String, List<String>> attributes) {
        return (UserModel) Proxy.newProxyInstance(
                UserModel.class.getClassLoader(), new Class<?>[] {UserModel.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getId":
                            return id;
                        case "getAttributeStream":
                            return attributes.getOrDefault((String) args[0], List.of()).stream();
                        case "setAttribute":
                            @SuppressWarnings("unchecked")
                            List<String> values = (List<String>) args[1];
                            attributes.put((String) args[0], List.copyOf(values));
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private static List<String> keys(PayerLinking.Outcome outcome) {
        return outcome.messages().stream().map(FormMessage::getMessage).toList();
    }

    @Test
    void aMatchingBillIsVerifiedWithTheBridgesAnswerAndNothingElseHappens() {
        PayerLinking.Outcome outcome = linking.verify(REQUEST);
        assertTrue(outcome.ok());
        assertEquals(PayerLinking.Status.VERIFIED, outcome.status());
        assertEquals(VERIFIED, outcome.verified());
        assertEquals(List.of("verify 100200"), bridge.calls);
        assertEquals(Map.of(), attributes);
    }

    @Test
    void anUnknownPayerAndAWrongBillPasswordReadTheSame() {
        bridge.verifyAnswer =
                VerifyResult.rejected(List.of(new VerifyResult.FieldError("bill_password", "payer_not_verified")));
        PayerLinking.Outcome wrongPassword = linking.verify(REQUEST);
        bridge.verifyAnswer = VerifyResult.rejected(List.of(new VerifyResult.FieldError(null, "no_such_payer")));
        PayerLinking.Outcome unknownPayer = linking.verify(REQUEST);

        assertEquals(PayerLinking.Status.NOT_VERIFIED, wrongPassword.status());
        assertFalse(wrongPassword.ok());
        assertEquals(List.of("payerNotVerified"), keys(wrongPassword));
        assertEquals(keys(wrongPassword), keys(unknownPayer));
        assertEquals(
                wrongPassword.messages().get(0).getField(),
                unknownPayer.messages().get(0).getField());
        assertNull(wrongPassword.verified());
    }

    @Test
    void theBridgesFieldErrorsBecomeTheFormsMessages() {
        bridge.verifyAnswer = VerifyResult.rejected(List.of(
                new VerifyResult.FieldError("manager_id", "unknown_manager"),
                new VerifyResult.FieldError("payer_code", "required")));
        PayerLinking.Outcome outcome = linking.verify(REQUEST);
        assertEquals(List.of("managerUnknown", "payerCodeMissing"), keys(outcome));
        assertEquals(
                List.of("managerId", "payerCode"),
                outcome.messages().stream().map(FormMessage::getField).toList());
    }

    @Test
    void aBridgeThatIsDownAtTheCheckSaysTryAgainLater() {
        bridge.down = true;
        PayerLinking.Outcome outcome = linking.verify(REQUEST);
        assertEquals(PayerLinking.Status.UNAVAILABLE, outcome.status());
        assertEquals(List.of("payerCheckUnavailable"), keys(outcome));
        assertEquals("payerCheckUnavailable", outcome.messageKey());
    }

    @Test
    void aClaimedPayerIsLinkedToTheUserKeepingWhatTheUserHad() {
        attributes.put("managers", List.of("upravnik"));
        attributes.put("payer_accounts", List.of("upravnik:9"));
        PayerLinking.Outcome outcome = linking.claimAndLink(user, VERIFIED);
        assertTrue(outcome.ok());
        assertEquals(PayerLinking.Status.LINKED, outcome.status());
        assertEquals(List.of("claim tkt.1 user-1", "join user-1 staninvest"), bridge.calls);
        assertEquals(List.of("upravnik", "staninvest"), attributes.get("managers"));
        assertEquals(List.of("upravnik:9", "staninvest:100200"), attributes.get("payer_accounts"));
    }

    @Test
    void aPayerClaimedByAnotherAccountMeanwhileIsNotLinked() {
        bridge.claimAnswer = ClaimResult.CLAIMED_BY_OTHER;
        PayerLinking.Outcome outcome = linking.claimAndLink(user, VERIFIED);
        assertEquals(PayerLinking.Status.CLAIMED_BY_OTHER, outcome.status());
        assertEquals(List.of("payerClaimedMeanwhile"), keys(outcome));
        assertEquals(Map.of(), attributes);
        assertEquals(List.of("claim tkt.1 user-1"), bridge.calls); // and no membership
    }

    @Test
    void aManagerWhoseOrganizationClosedMeanwhileIsNotLinkedAndSaysSoAtTheManager() {
        openOrganizations.clear();
        PayerLinking.Outcome outcome = linking.claimAndLink(user, VERIFIED);
        assertFalse(outcome.ok());
        assertEquals(PayerLinking.Status.MANAGER_CLOSED, outcome.status());
        assertEquals(List.of("managerUnknown"), keys(outcome));
        assertEquals("managerId", outcome.messages().get(0).getField());
        assertEquals(Map.of(), attributes);
    }

    @Test
    void aBridgeThatIsDownAtTheClaimLinksNothingAndSaysTryAgainLater() {
        bridge.down = true;
        PayerLinking.Outcome outcome = linking.claimAndLink(user, VERIFIED);
        assertEquals(PayerLinking.Status.UNAVAILABLE, outcome.status());
        assertEquals(List.of("payerCheckUnavailable"), keys(outcome));
        assertEquals(Map.of(), attributes);
        assertEquals(List.of("claim tkt.1 user-1"), bridge.calls); // and no membership
    }

    @Test
    void onlyTheLinkAttributesOfTheBridgesAnswerReachTheUser() {
        VerifyResult withMore = VerifyResult.verified(
                "tkt.2", Map.of("payer_accounts", List.of("staninvest:1"), "email", List.of("evil@example.si")));
        linking.claimAndLink(user, withMore);
        assertEquals(Map.of("payer_accounts", List.of("staninvest:1")), attributes);
        assertEquals(
                List.of(), Stream.of("email").filter(attributes::containsKey).toList());
    }
}
