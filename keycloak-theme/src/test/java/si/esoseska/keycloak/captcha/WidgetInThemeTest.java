package si.esoseska.keycloak.captcha;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/** The theme serves the ALTCHA widget itself: a build without it (no `make setup`) would leave forms unsendable. */
class WidgetInThemeTest {

    @Test
    void theWidgetFromNpmIsInTheThemesResources() {
        String path = "theme/esoseska/login/resources/js/altcha/altcha.min.js";
        assertNotNull(
                getClass().getClassLoader().getResource(path),
                path + " is missing: `make setup` copies it from node_modules into keycloak-theme/vendor/altcha");
        assertNotNull(getClass().getClassLoader().getResource("theme/esoseska/login/resources/js/captcha.js"));
    }
}
