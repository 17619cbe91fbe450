package si.esoseska.keycloak.registration;

/** Registers the phone normalizer ("esoseska-phone-number"); place it before user creation. */
public final class PhoneNumberFormActionFactory extends StatelessFormActionFactory {

    public static final String PROVIDER_ID = "esoseska-phone-number";

    public PhoneNumberFormActionFactory() {
        super(new PhoneNumberFormAction());
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Phone number as typed (eSoseska)";
    }

    @Override
    public String getHelpText() {
        return "Accepts 041123456, 041 123 456 or +386 41 123 456 and stores 041 123 456. Place before user creation.";
    }
}
