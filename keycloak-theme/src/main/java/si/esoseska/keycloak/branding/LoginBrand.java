package si.esoseska.keycloak.branding;

import java.util.Optional;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.OrganizationModel;
import org.keycloak.models.RealmModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import si.esoseska.keycloak.organization.ManagerOrganizations;
import si.esoseska.keycloak.registration.ManagerHint;

/**
 * The look of the login and registration pages: the manager the resident came from (the portal client's
 * {@code esoseska.manager} or {@code manager_hint}, ManagerHint) if it has an enabled organization; else, once the
 * page knows who the resident is (a new password from the reset mail, "Dodaj upravnika", a required action), their
 * manager's organization ({@link ResidentManager}: the only one they are a member of); else the platform's. The
 * platform's logo is the template's inline house (no address); its terms and privacy links are the realm attributes
 * {@code termsUrl} and {@code privacyUrl}.
 */
public final class LoginBrand {

    private LoginBrand() {}

    public static Brand of(KeycloakSession session, RealmModel realm, AuthenticationSessionModel authSession) {
        Brand platform = Brand.platform(
                null,
                realm == null ? null : realm.getAttribute("termsUrl"),
                realm == null ? null : realm.getAttribute("privacyUrl"));
        Optional<OrganizationModel> manager = ManagerHint.of(authSession)
                .flatMap(hint -> ManagerOrganizations.enabled(session, hint))
                .or(() -> authSession == null
                        ? Optional.empty()
                        : ResidentManager.of(session, authSession.getAuthenticatedUser(), Optional.empty()));
        return manager.map(org -> Brand.of(org, platform)).orElse(platform);
    }
}
