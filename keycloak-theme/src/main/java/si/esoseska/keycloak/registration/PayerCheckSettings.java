package si.esoseska.keycloak.registration;

import java.util.Optional;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.RealmModel;
import si.esoseska.keycloak.bridge.BridgeSettings;

/**
 * The bridge settings of a realm, for pages outside the registration form: the config of the payer-check
 * execution in the realm's registration flow (one place for URL, secret and timeout).
 */
public final class PayerCheckSettings {

    private PayerCheckSettings() {}

    public static BridgeSettings forRealm(RealmModel realm) {
        return Optional.ofNullable(realm.getRegistrationFlow())
                .flatMap(flow -> find(realm, flow.getId()))
                .map(execution -> realm.getAuthenticatorConfigById(execution.getAuthenticatorConfig()))
                .map(AuthenticatorConfigModel::getConfig)
                .map(BridgeSettings::fromConfig)
                .orElseGet(() -> BridgeSettings.fromConfig(null));
    }

    private static Optional<AuthenticationExecutionModel> find(RealmModel realm, String flowId) {
        return realm.getAuthenticationExecutionsStream(flowId)
                .map(execution -> execution.isAuthenticatorFlow()
                        ? find(realm, execution.getFlowId()).orElse(null)
                        : PayerCheckFormActionFactory.PROVIDER_ID.equals(execution.getAuthenticator())
                                ? execution
                                : null)
                .filter(execution -> execution != null)
                .findFirst();
    }
}
