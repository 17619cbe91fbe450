package si.esoseska.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CorrelationIdsTest {

    private static final String ROOT = "8b1f6c1e-4c0a-4d4e-9d55-0f3c1a2b3c4d";

    @Test
    void oneBrowserTabKeepsOneIdForItsWholeForm() {
        assertEquals(CorrelationIds.of(ROOT, "tab-1"), CorrelationIds.of(ROOT, "tab-1"));
    }

    @Test
    void anotherTabOrSessionIsAnotherRegistration() {
        assertNotEquals(CorrelationIds.of(ROOT, "tab-1"), CorrelationIds.of(ROOT, "tab-2"));
        assertNotEquals(CorrelationIds.of(ROOT, "tab-1"), CorrelationIds.of(ROOT.replace('8', '9'), "tab-1"));
    }

    @Test
    void theSessionCookieValueNeverReachesALog() {
        String id = CorrelationIds.of(ROOT, "tab-1");
        assertTrue(id.matches("kc-[0-9a-f]{16}"), id);
        assertFalse(id.contains(ROOT.substring(0, 8)));
    }
}
