package si.esoseska.keycloak.inquiry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The inquiry form's CSRF token: made for one visitor's cookie, by the realm's key, for a limited time. */
class InquiryCsrfTest {

    private static final byte[] REALM_KEY =
            "realm-hs512-key-of-the-realm-database-0123456789".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_KEY =
            "another-realm-or-an-attackers-guess-0123456789ab".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-12-03T18:00:00Z");

    private static InquiryCsrf csrf(Instant now, byte[]... keys) {
        return new InquiryCsrf(List.of(keys), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aTokenIsValidForTheCookieItWasMadeFor() {
        String nonce = InquiryCsrf.newNonce();
        assertEquals(
                InquiryCsrf.Check.VALID,
                csrf(NOW, REALM_KEY).check(nonce, csrf(NOW, REALM_KEY).token(nonce)));
    }

    @Test
    void anotherNodeWithTheSameRealmKeyAcceptsIt() {
        // a cluster: the key comes from the realm (database), not from the node
        String nonce = InquiryCsrf.newNonce();
        String token = csrf(NOW, REALM_KEY).token(nonce);
        assertEquals(
                InquiryCsrf.Check.VALID,
                new InquiryCsrf(List.of(REALM_KEY.clone()), Clock.fixed(NOW.plusSeconds(1), ZoneOffset.UTC))
                        .check(nonce, token));
    }

    @Test
    void aTokenMadeForAnotherCookieIsInvalid() {
        // the attacker fetched the page for himself: his token belongs to his cookie, not the visitor's
        String attackers = csrf(NOW, REALM_KEY).token(InquiryCsrf.newNonce());
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check(InquiryCsrf.newNonce(), attackers));
    }

    @Test
    void aTokenMadeWithAnotherKeyIsInvalid() {
        String nonce = InquiryCsrf.newNonce();
        assertEquals(
                InquiryCsrf.Check.INVALID,
                csrf(NOW, REALM_KEY).check(nonce, csrf(NOW, OTHER_KEY).token(nonce)));
    }

    @Test
    void aRotatedKeyStillAcceptsTheFormsItSigned() {
        String nonce = InquiryCsrf.newNonce();
        String old = csrf(NOW, OTHER_KEY).token(nonce);
        InquiryCsrf rotated = csrf(NOW, REALM_KEY, OTHER_KEY);
        assertEquals(InquiryCsrf.Check.VALID, rotated.check(nonce, old));
        assertEquals(InquiryCsrf.Check.VALID, csrf(NOW, REALM_KEY).check(nonce, rotated.token(nonce)));
    }

    @Test
    void aTokenExpiresAfterItsLifetime() {
        String nonce = InquiryCsrf.newNonce();
        String token = csrf(NOW, REALM_KEY).token(nonce);
        assertEquals(
                InquiryCsrf.Check.VALID,
                csrf(NOW.plus(InquiryCsrf.LIFETIME), REALM_KEY).check(nonce, token));
        assertEquals(
                InquiryCsrf.Check.EXPIRED,
                csrf(NOW.plus(InquiryCsrf.LIFETIME).plusSeconds(1), REALM_KEY).check(nonce, token));
    }

    @Test
    void aLaterExpiryCanNotBeWrittenIntoTheToken() {
        String nonce = InquiryCsrf.newNonce();
        String token = csrf(NOW, REALM_KEY).token(nonce);
        String[] parts = token.split("\\.");
        String extended = (Long.parseLong(parts[0]) + 86_400) + "." + parts[1];
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check(nonce, extended));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ".",
                "x.y",
                "123",
                "123.",
                "1e9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "١٢٣.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            })
    void malformedTokensAreInvalid(String token) {
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check(InquiryCsrf.newNonce(), token));
    }

    @Test
    void noCookieOrNoTokenIsInvalid() {
        String nonce = InquiryCsrf.newNonce();
        String token = csrf(NOW, REALM_KEY).token(nonce);
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check(null, token));
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check("short", token));
        assertEquals(InquiryCsrf.Check.INVALID, csrf(NOW, REALM_KEY).check(nonce, null));
    }

    @Test
    void nonceIsRandomAndCookieSafe() {
        String a = InquiryCsrf.newNonce();
        assertNotEquals(a, InquiryCsrf.newNonce());
        assertTrue(InquiryCsrf.wellFormedNonce(a));
        assertFalse(InquiryCsrf.wellFormedNonce(a + ";"));
        assertFalse(InquiryCsrf.wellFormedNonce(null));
    }

    @Test
    void withoutARealmKeyNoTokenIsMadeAndNoneIsAccepted() {
        InquiryCsrf none = csrf(NOW);
        assertFalse(none.hasKey());
        assertThrows(IllegalStateException.class, () -> none.token(InquiryCsrf.newNonce()));
        String nonce = InquiryCsrf.newNonce();
        assertEquals(
                InquiryCsrf.Check.INVALID,
                none.check(nonce, csrf(NOW, REALM_KEY).token(nonce)));
    }

    @ParameterizedTest(name = "Origin {0}, Referer {1} -> {2}")
    @CsvSource(
            nullValues = "-",
            value = {
                "https://portal.esoseska.si,         -,                                                  true",
                "HTTPS://Portal.Esoseska.si:443,     -,                                                  true",
                "https://attacker.example,           -,                                                  false",
                "https://portal.esoseska.si.attacker.example, -,                                         false",
                "http://portal.esoseska.si,          -,                                                  false",
                "https://portal.esoseska.si:8443,    -,                                                  false",
                "null,                               -,                                                  true",
                "null,                               https://attacker.example/win,                       false",
                "-,                                  https://portal.esoseska.si/realms/esoseska/esoseska-inquiry, true",
                "-,                                  https://attacker.example/win,                       false",
                "-,                                  not a url,                                          false",
                "-,                                  -,                                                  true",
            })
    void onlyThePagesOwnOriginMayPost(String origin, String referer, boolean accepted) {
        assertEquals(accepted, InquiryCsrf.fromOwnOrigin(origin, referer, URI.create("https://portal.esoseska.si/")));
    }

    @Test
    void theOriginOfADevelopmentStackKeepsItsPort() {
        URI base = URI.create("http://127.0.0.1:18080/");
        assertTrue(InquiryCsrf.fromOwnOrigin("http://127.0.0.1:18080", null, base));
        assertFalse(InquiryCsrf.fromOwnOrigin("http://127.0.0.1:18081", null, base));
    }
}
