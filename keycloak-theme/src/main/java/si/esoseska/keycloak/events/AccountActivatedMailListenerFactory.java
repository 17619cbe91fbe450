package si.esoseska.keycloak.events;

import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the "account activated" mail as event listener {@code esoseska-account-activated}. */
public final class AccountActivatedMailListenerFactory implements EventListenerProviderFactory {

    public static final String PROVIDER_ID = "esoseska-account-activated";

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new AccountActivatedMailListener(session);
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

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
