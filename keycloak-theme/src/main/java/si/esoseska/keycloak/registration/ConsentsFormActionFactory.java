package si.esoseska.keycloak.registration;

/** Registers the consents action ("esoseska-consents"); place it after user creation. */
public final class ConsentsFormActionFactory extends StatelessFormActionFactory {

    public static final String PROVIDER_ID = "esoseska-consents";

    public ConsentsFormActionFactory() {
        super(new ConsentsFormAction());
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Consents with their time (eSoseska)";
    }

    @Override
    public String getHelpText() {
        return "Shows the terms and privacy links and the optional prize-game consent, and stores when each was given.";
    }
}
