package si.esoseska.keycloak.registration;

import java.util.Optional;

/**
 * Slovenian phone numbers as residents type them ("041123456", "041 123 456", "+386 41 123 456",
 * "00386-41-123-456") in the one form the portal stores and shows: {@code 041 123 456}.
 */
final class PhoneNumbers {

    private PhoneNumbers() {}

    /** The number as {@code XXX XXX XXX}, or empty when it is not a 9-digit Slovenian number. */
    static Optional<String> normalize(String typed) {
        if (typed == null) {
            return Optional.empty();
        }
        String compact = typed.strip().replaceAll("[\\s\\-./()]", "");
        if (compact.startsWith("+386")) {
            compact = "0" + compact.substring(4);
        } else if (compact.startsWith("00386")) {
            compact = "0" + compact.substring(5);
        }
        if (!compact.matches("0[0-9]{8}")) {
            return Optional.empty();
        }
        return Optional.of(compact.substring(0, 3) + " " + compact.substring(3, 6) + " " + compact.substring(6));
    }
}
