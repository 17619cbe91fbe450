package si.esoseska.keycloak.mail;

import org.keycloak.events.EventListenerProvider;
import org.keycloak.events.EventListenerProviderFactory;
import org.keycloak.models.KeycloakSession;
import si.esoseska.keycloak.Unconfigured;

/** Registers the "account activated" mail as event listener {@code esoseska-account-activated}. */
public final class AccountActivatedMailListenerFactory
        implements EventListenerProviderFactory, Unconfigured<EventListenerProvider> {

    public static final String PROVIDER_ID = "esoseska-account-activated";

    @Override
    public EventListenerProvider create(KeycloakSession session) {
        return new AccountActivatedMailListener(session);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
