package si.esoseska.keycloak.claimsync;

import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import si.esoseska.keycloak.Unconfigured;

/** Registers the claim release on user deletion and payer-account removal ({@code esoseska-claim-sync}). */
public final class ClaimSyncListenerFactory
        implements EventListenerProviderFactory, Unconfigured<EventListenerProvider> {

    public static final String PROVIDER_ID = "esoseska-claim-sync";

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new ClaimSyncListener(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
