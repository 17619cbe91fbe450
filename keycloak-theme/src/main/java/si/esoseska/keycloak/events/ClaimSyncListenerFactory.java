package si.esoseska.keycloak.events;

import org.keycloak.Config;
import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the claim release on user deletion and payer-account removal ({@code esoseska-claim-sync}). */
public final class ClaimSyncListenerFactory implements EventListenerProviderFactory {

    public static final String PROVIDER_ID = "esoseska-claim-sync";

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new ClaimSyncListener(session);
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
