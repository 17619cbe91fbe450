package si.esoseska.keycloak.organization;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.keycloak.models.OrganizationModel;
import si.esoseska.keycloak.bridge.ManagerOption;

/** Which organizations the drop-downs offer, and which memberships end when payer accounts go. */
class ManagerOrganizationsTest {

    private static OrganizationModel org(String alias, String name, boolean enabled) {
        return (OrganizationModel) Proxy.newProxyInstance(
                OrganizationModel.class.getClassLoader(),
                new Class<?>[] {OrganizationModel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getAlias" -> alias;
                    case "getName" -> name;
                    case "isEnabled" -> enabled;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theDropDownListsTheEnabledOrganizationsByNameWithTheAliasAsValue() {
        List<ManagerOption> options = ManagerOrganizations.options(Stream.of(
                org("staninvest", "Staninvest d.o.o.", true),
                org("zaprt", "Zaprti upravnik d.o.o.", false),
                org("domovanje", "Domovanje d.o.o.", true)));
        assertEquals(
                List.of(
                        new ManagerOption("domovanje", "Domovanje d.o.o."),
                        new ManagerOption("staninvest", "Staninvest d.o.o.")),
                options);
    }

    @Test
    void anOrganizationWithoutANameShowsItsAlias() {
        assertEquals(
                List.of(new ManagerOption("upravnik", "upravnik")),
                ManagerOrganizations.options(Stream.of(org("upravnik", null, true))));
    }

    @Test
    void membershipsOfManagersWithoutAPayerAccountLeftEnd() {
        assertEquals(
                Set.of("domovanje"),
                ManagerOrganizations.toLeave(List.of("staninvest", "domovanje"), Set.of("staninvest")));
        assertEquals(Set.of(), ManagerOrganizations.toLeave(List.of("staninvest"), Set.of("staninvest", "novi")));
        assertEquals(Set.of("staninvest"), ManagerOrganizations.toLeave(List.of("staninvest"), Set.of()));
    }
}
