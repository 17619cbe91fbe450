package si.esoseska.keycloak.linking;

import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import si.esoseska.keycloak.Unconfigured;

/** Registers "Dodaj upravnika" as the required action {@code link-manager} (app-initiated with kc_action). */
public final class LinkManagerRequiredActionFactory
        implements RequiredActionFactory, Unconfigured<RequiredActionProvider> {

    public static final String PROVIDER_ID = "link-manager";

    private static final LinkManagerRequiredAction SINGLETON = new LinkManagerRequiredAction();

    @Override
    public String getDisplayText() {
        return "Dodaj upravnika (link a property manager)";
    }

    @Override
    public RequiredActionProvider create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }
}
