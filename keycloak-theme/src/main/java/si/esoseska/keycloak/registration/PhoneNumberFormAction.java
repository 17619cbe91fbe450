package si.esoseska.keycloak.registration;

import jakarta.ws.rs.core.MultivaluedMap;
import org.keycloak.authentication.ValidationContext;

/**
 * Accepts the phone number as typed and hands it on as {@code 041 123 456}. Runs before user creation, which
 * then validates (pattern of the user profile) and stores the normalized value. A number that can not be
 * normalized is left as typed, so the user profile's message explains the expected form.
 */
final class PhoneNumberFormAction extends RegistrationFormAction {

    static final String PHONE_NUMBER = "phone_number";

    @Override
    public void validate(ValidationContext context) {
        MultivaluedMap<String, String> formData = context.getHttpRequest().getDecodedFormParameters();
        PhoneNumbers.normalize(formData.getFirst(PHONE_NUMBER))
                .ifPresent(phone -> formData.putSingle(PHONE_NUMBER, phone));
        context.success();
    }
}
