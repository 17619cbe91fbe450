package si.esoseska.keycloak.branding;

import java.util.List;
import java.util.Optional;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.UserModel;
import org.keycloak.organization.OrganizationProvider;

/**
 * The manager whose look a resident's e-mail has: the one the resident came from (client attribute or
 * {@code manager_hint}) if they are its member, else their only manager. A resident of several managers who came
 * from none of them gets the platform's look: no manager is preferred over another.
 */
public final class ResidentManager {

    private ResidentManager() {}

    public static Optional<OrganizationModel> of(KeycloakSession session, UserModel user, Optional<String> hint) {
        OrganizationProvider orgs = session.getProvider(OrganizationProvider.class);
        if (user == null || orgs == null || !orgs.isEnabled()) {
            return Optional.empty();
        }
        return choose(orgs.getByMember(user).toList(), hint);
    }

    /** Among the user's organizations (enabled ones only): the hinted one, else the only one. */
    static Optional<OrganizationModel> choose(List<OrganizationModel> memberOf, Optional<String> hint) {
        List<OrganizationModel> enabled =
                memberOf.stream().filter(OrganizationModel::isEnabled).toList();
        Optional<OrganizationModel> hinted = hint.flatMap(alias ->
                enabled.stream().filter(org -> alias.equals(org.getAlias())).findFirst());
        if (hinted.isPresent()) {
            return hinted;
        }
        return enabled.size() == 1 ? Optional.of(enabled.get(0)) : Optional.empty();
    }
}
