package si.esoseska.keycloak.registration;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.FormAction;
import org.keycloak.authentication.FormActionFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import si.esoseska.keycloak.bridge.BridgeSettings;

/** Registers the payer check ("esoseska-payer-check") as a registration form action with its settings. */
public final class PayerCheckFormActionFactory implements FormActionFactory {

    public static final String PROVIDER_ID = "esoseska-payer-check";

    private static final PayerCheckFormAction SINGLETON = new PayerCheckFormAction();

    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENT_CHOICES = {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.DISABLED,
    };

    private static final List<ProviderConfigProperty> CONFIG = ProviderConfigurationBuilder.create()
            .property().name(BridgeSettings.BRIDGE_URL).label("Bridge URL")
            .helpText("Base URL of the registration bridge, e.g. http://localhost:8000")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(BridgeSettings.DEFAULT_BRIDGE_URL).add()
            .property().name(BridgeSettings.CALLBACK_SECRET).label("Callback secret")
            .helpText("Shared secret that signs every call to the bridge (the bridge's BRIDGE_CALLBACK_SECRET).")
            .type(ProviderConfigProperty.PASSWORD).secret(true).add()
            .property().name(BridgeSettings.TIMEOUT_MS).label("Timeout (ms)")
            .helpText("How long to wait for the bridge before the form says 'try again later'.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(BridgeSettings.DEFAULT_TIMEOUT_MS)).add()
            .build();

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
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENT_CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }

    @Override
    public FormAction create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
