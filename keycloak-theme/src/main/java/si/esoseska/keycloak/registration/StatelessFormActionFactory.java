package si.esoseska.keycloak.registration;

import java.util.List;
import org.keycloak.authentication.FormAction;
import org.keycloak.authentication.FormActionFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;
import si.esoseska.keycloak.Unconfigured;

/** What every factory of our registration form actions shares: one stateless action, REQUIRED or DISABLED. */
abstract class StatelessFormActionFactory implements FormActionFactory, Unconfigured<FormAction> {

    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENT_CHOICES = {
        AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED,
    };

    private final FormAction action;

    StatelessFormActionFactory(FormAction action) {
        this.action = action;
    }

    @Override
    public FormAction create(KeycloakSession session) {
        return action;
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return !getConfigProperties().isEmpty();
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENT_CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }
}
