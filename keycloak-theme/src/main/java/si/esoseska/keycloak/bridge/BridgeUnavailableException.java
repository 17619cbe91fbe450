package si.esoseska.keycloak.bridge;

/** The bridge could not give an answer (down, slow, refused our signature, or answered nonsense). Fail closed. */
public class BridgeUnavailableException extends Exception {
    public BridgeUnavailableException(String message) {
        super(message);
    }

    public BridgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
