package si.esoseska.keycloak.registration;

/**
 * Registers the payer check ("esoseska-payer-check") as a registration form action. It has no settings of its own:
 * the bridge's URL, timeout and secret are the server's ({@code esoseska-bridge} SPI, BridgeOptions).
 */
public final class PayerCheckFormActionFactory extends StatelessFormActionFactory {

    public static final String PROVIDER_ID = "esoseska-payer-check";

    public PayerCheckFormActionFactory() {
        super(new PayerCheckFormAction());
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "Payer check (registration bridge)";
    }

    @Override
    public String getHelpText() {
        return "Checks the payer code and bill password against the manager's payer registry and links the "
                + "manager and payer account to the new user.";
    }
}
