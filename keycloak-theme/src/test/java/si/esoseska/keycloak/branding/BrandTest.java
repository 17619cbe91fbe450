package si.esoseska.keycloak.branding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.keycloak.models.OrganizationModel;

/** Whose look a page or mail gets, and which of a manager's settings are usable. */
class BrandTest {

    private static final Brand PLATFORM =
            Brand.platform("https://id.esoseska.si/logo.png", "https://esoseska.si/pogoji", null);

    private static OrganizationModel org(String alias, boolean enabled) {
        return (OrganizationModel) Proxy.newProxyInstance(
                OrganizationModel.class.getClassLoader(),
                new Class<?>[] {OrganizationModel.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getAlias" -> alias;
                    case "isEnabled" -> enabled;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aManagersLogoColourAndLinksReplaceThePlatforms() {
        Brand brand = Brand.of(
                "Staninvest d.o.o.",
                Map.of(
                        "logoUrl", List.of("https://www.staninvest.example/logo.png"),
                        "brandColour", List.of("#1F5F8B"),
                        "termsUrl", List.of("https://www.staninvest.example/pogoji"),
                        "privacyUrl", List.of("https://www.staninvest.example/zasebnost")),
                PLATFORM);
        assertTrue(brand.isManager());
        assertEquals("Staninvest d.o.o.", brand.getName());
        assertEquals("https://www.staninvest.example/logo.png", brand.getLogoUrl());
        assertEquals("#1f5f8b", brand.getColour());
        assertEquals("https://www.staninvest.example/pogoji", brand.getTermsUrl());
        assertEquals("https://www.staninvest.example/zasebnost", brand.getPrivacyUrl());
    }

    @Test
    void whatAManagerLeftOutOrCanNotBeUsedIsThePlatforms() {
        Brand brand = Brand.of(
                "Domovanje",
                Map.of(
                        "logoUrl", List.of("javascript:alert(1)"),
                        "brandColour", List.of("#ffd700"),
                        "termsUrl", List.of("/pogoji")),
                PLATFORM);
        assertEquals(PLATFORM.getLogoUrl(), brand.getLogoUrl());
        assertEquals(BrandColours.PLATFORM, brand.getColour());
        assertEquals(PLATFORM.getTermsUrl(), brand.getTermsUrl());
        assertEquals(null, brand.getPrivacyUrl());
        assertFalse(PLATFORM.isManager());
    }

    @Test
    void onlyColoursReadableWithWhiteTextAreTaken() {
        assertEquals(Optional.of("#0b5cad"), BrandColours.readable("#0B5CAD"));
        assertEquals(Optional.of("#2e7d32"), BrandColours.readable("#2e7d32")); // 5.1:1
        assertEquals(Optional.empty(), BrandColours.readable("#43a047")); // 3.3:1
        assertEquals(Optional.empty(), BrandColours.readable("#ffffff"));
        assertEquals(Optional.empty(), BrandColours.readable("blue"));
        assertEquals(Optional.empty(), BrandColours.readable(null));
        assertEquals(21.0, BrandColours.contrastWithWhite("#000000"), 0.01);
    }

    @Test
    void hoverAndBackgroundShadesFollowTheColour() {
        Brand brand = Brand.of("Staninvest", Map.of("brandColour", List.of("#1f5f8b")), PLATFORM);
        assertEquals("#174768", brand.getColourDark());
        assertEquals("#e9eff3", brand.getColourTint());
    }

    @Test
    void theHintedManagerWinsElseTheOnlyOneElseNone() {
        OrganizationModel staninvest = org("staninvest", true);
        OrganizationModel domovanje = org("domovanje", true);
        assertEquals(
                Optional.of(domovanje),
                ResidentManager.choose(List.of(staninvest, domovanje), Optional.of("domovanje")));
        assertEquals(Optional.empty(), ResidentManager.choose(List.of(staninvest, domovanje), Optional.empty()));
        assertEquals(Optional.of(staninvest), ResidentManager.choose(List.of(staninvest), Optional.of("drugi")));
        assertEquals(
                Optional.of(staninvest),
                ResidentManager.choose(List.of(staninvest, org("zaprt", false)), Optional.empty()));
        assertEquals(Optional.empty(), ResidentManager.choose(List.of(), Optional.of("staninvest")));
    }
}
