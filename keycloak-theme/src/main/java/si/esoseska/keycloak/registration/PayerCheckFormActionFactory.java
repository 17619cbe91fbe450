package si.esoseska.keycloak.registration;

import java.util.List;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import si.esoseska.keycloak.bridge.BridgeSettings;

/** Registers the payer check ("esoseska-payer-check") as a registration form action with its settings. */
public final class PayerCheckFormActionFactory extends StatelessFormActionFactory {

    public static final String PROVIDER_ID = "esoseska-payer-check";

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property()
            .name(BridgeSettings.BRIDGE_URL)
            .label("Bridge URL")
            .helpText("Base URL of the registration bridge, e.g. http://localhost:8000")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(BridgeSettings.DEFAULT_BRIDGE_URL)
            .add()
            .property()
            .name(BridgeSettings.CALLBACK_SECRET)
            .label("Callback secret")
            .helpText("Shared secret that signs every call to the bridge (the bridge's BRIDGE_CALLBACK_SECRET).")
            .type(ProviderConfigProperty.PASSWORD)
            .secret(true)
            .add()
            .property()
            .name(BridgeSettings.TIMEOUT_MS)
            .label("Timeout (ms)")
            .helpText("How long to wait for the bridge before the form says 'try again later'.")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(BridgeSettings.DEFAULT_TIMEOUT_MS))
            .add()
            .build();

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

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }
}
