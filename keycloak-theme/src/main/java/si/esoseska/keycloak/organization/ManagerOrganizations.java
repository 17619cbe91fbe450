package si.esoseska.keycloak.organization;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.UserModel;
import org.keycloak.organization.OrganizationProvider;
import si.esoseska.keycloak.bridge.ManagerOption;

/**
 * Each manager is a Keycloak Organization whose alias is the manager id (the {@code <manager>} of
 * {@code payer_accounts}). The drop-downs list the enabled organizations, read in Keycloak (no call to the bridge);
 * a resident is an (unmanaged) member of every organization of which they hold a payer account. Every change here
 * runs in the caller's transaction, so it commits or rolls back with the user and the links.
 */
public final class ManagerOrganizations {

    private static final Logger LOG = Logger.getLogger(ManagerOrganizations.class);

    private ManagerOrganizations() {}

    /** The enabled organizations as drop-down options, by name (empty when the realm has Organizations off). */
    public static List<ManagerOption> options(KeycloakSession session) {
        OrganizationProvider orgs = provider(session);
        return orgs == null || !orgs.isEnabled() ? List.of() : options(orgs.getAllStream());
    }

    /** The options of the enabled organizations among these, by name then alias. */
    static List<ManagerOption> options(Stream<OrganizationModel> organizations) {
        return organizations
                .filter(OrganizationModel::isEnabled)
                .filter(org -> org.getAlias() != null && !org.getAlias().isBlank())
                .map(org -> new ManagerOption(org.getAlias(), org.getName() == null ? org.getAlias() : org.getName()))
                .sorted(Comparator.comparing(ManagerOption::getName).thenComparing(ManagerOption::getId))
                .toList();
    }

    /** The enabled organization of a manager id; empty for an unknown or a disabled one. */
    public static Optional<OrganizationModel> enabled(KeycloakSession session, String managerId) {
        OrganizationProvider orgs = provider(session);
        if (orgs == null || !orgs.isEnabled() || managerId == null || managerId.isBlank()) {
            return Optional.empty();
        }
        return Optional.ofNullable(orgs.getByAlias(managerId)).filter(OrganizationModel::isEnabled);
    }

    /**
     * Makes the user a member of the manager's enabled organization (an unmanaged member: leaving it never deletes
     * the user); already a member is fine. False when the manager has no enabled organization.
     */
    public static boolean join(KeycloakSession session, UserModel user, String managerId) {
        Optional<OrganizationModel> org = enabled(session, managerId);
        if (org.isEmpty()) {
            return false;
        }
        // addMember looks at the membership itself (false: a member already), so no isMember first: that was one
        // more query in every registration's transaction
        if (provider(session).addMember(org.get(), user)) {
            LOG.infof("user %s joined organization %s", user.getId(), managerId);
        }
        return true;
    }

    /**
     * Ends the user's memberships of organizations they hold no payer account of any more ({@code managers}: the
     * managers of the remaining payer accounts). Joins none: a membership only comes with a claim.
     */
    public static void leaveOthers(KeycloakSession session, UserModel user, Set<String> managers) {
        OrganizationProvider orgs = provider(session);
        if (orgs == null || !orgs.isEnabled()) {
            return;
        }
        List<OrganizationModel> memberOf = orgs.getByMember(user).toList();
        Set<String> leaving =
                toLeave(memberOf.stream().map(OrganizationModel::getAlias).toList(), managers);
        for (OrganizationModel org : memberOf) {
            if (leaving.contains(org.getAlias()) && orgs.removeMember(org, user)) {
                LOG.infof("user %s left organization %s (no payer account of it left)", user.getId(), org.getAlias());
            }
        }
    }

    /** The aliases among {@code memberOf} that are not among {@code managers}. */
    static Set<String> toLeave(Collection<String> memberOf, Set<String> managers) {
        Set<String> leaving = new TreeSet<>();
        memberOf.stream()
                .filter(alias -> alias != null && !managers.contains(alias))
                .forEach(leaving::add);
        return leaving;
    }

    private static OrganizationProvider provider(KeycloakSession session) {
        return session.getProvider(OrganizationProvider.class);
    }
}
