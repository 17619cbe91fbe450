package si.esoseska.keycloak.bridge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * The id under which one registration (or one "Dodaj upravnika") is logged by Keycloak and by the bridge: derived
 * from the browser tab's authentication session, so the verify and the claim of one form share it. A hash, because
 * the session id itself is the value of a cookie and must not appear in logs.
 */
public final class CorrelationIds {

    private CorrelationIds() {}

    public static String of(AuthenticationSessionModel authSession) {
        return of(authSession.getParentSession().getId(), authSession.getTabId());
    }

    static String of(String rootSessionId, String tabId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((rootSessionId + "/" + tabId).getBytes(StandardCharsets.UTF_8));
            return "kc-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
