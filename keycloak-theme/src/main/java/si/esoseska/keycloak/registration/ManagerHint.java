package si.esoseska.keycloak.registration;

import java.util.Optional;
import org.keycloak.models.ClientModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * The manager a resident came from: the client attribute {@code esoseska.manager} of a manager's own portal
 * client, or else a {@code manager_hint} parameter on the authorization request.
 */
public final class ManagerHint {

    static final String CLIENT_ATTRIBUTE = "esoseska.manager";
    /** Keycloak keeps authorization-request parameters it does not know as client notes with this prefix. */
    static final String REQUEST_PARAM_NOTE = "client_request_param_manager_hint";

    private ManagerHint() {}

    public static Optional<String> of(AuthenticationSessionModel authSession) {
        if (authSession == null) {
            return Optional.empty();
        }
        ClientModel client = authSession.getClient();
        String fromClient = client == null ? null : client.getAttribute(CLIENT_ATTRIBUTE);
        if (fromClient != null && !fromClient.isBlank()) {
            return Optional.of(fromClient.strip());
        }
        return Optional.ofNullable(authSession.getClientNote(REQUEST_PARAM_NOTE))
                .map(String::strip)
                .filter(hint -> !hint.isEmpty());
    }
}
