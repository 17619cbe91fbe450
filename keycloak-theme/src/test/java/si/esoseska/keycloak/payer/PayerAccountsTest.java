package si.esoseska.keycloak.payer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import si.esoseska.keycloak.SharedFixtures;

/** The Java half of the payer-code rule; the bridge (tests/unit/test_payer_codes.py) checks the same vectors. */
class PayerAccountsTest {

    private static JsonNode vectors() throws IOException {
        return SharedFixtures.read("payer-codes.json");
    }

    @Test
    void normalisesEveryCodeOfTheSharedVectors() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : vectors().get("normalise")) {
            String got = PayerAccounts.normalizeCode(c.get("raw").textValue());
            if (!got.equals(c.get("code").textValue())) {
                wrong.add(c.get("case").textValue() + " -> " + escaped(got));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void removesExactlyTheListedCodePoints() throws IOException {
        Set<Integer> removed = new HashSet<>();
        vectors()
                .get("removed_code_points")
                .forEach(c -> removed.add(Integer.parseInt(c.textValue().substring(2), 16)));
        List<String> wrong = new ArrayList<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (Character.isSurrogate((char) c) && c <= 0xFFFF) {
                continue;
            }
            String typed = "1" + Character.toString(c) + "2";
            String expected = removed.contains(c) ? "12" : typed;
            if (!PayerAccounts.normalizeCode(typed).equals(expected)) {
                wrong.add(String.format("U+%04X", c));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void formatsAndParsesTheSharedAccounts() throws IOException {
        for (JsonNode c : vectors().get("format")) {
            String managerId = c.get("manager_id").textValue();
            String payerCode = c.get("payer_code").textValue();
            assertEquals(c.get("account").textValue(), PayerAccounts.format(managerId, payerCode));
            assertEquals(
                    Optional.of(new PayerAccounts.Account(managerId, payerCode)),
                    PayerAccounts.parse(c.get("account").textValue()));
        }
    }

    @Test
    void refusesAManagerIdThatWouldNotParseBack() throws IOException {
        for (JsonNode c : vectors().get("format_refuses")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PayerAccounts.format(
                            c.get("manager_id").textValue(), c.get("payer_code").textValue()));
        }
    }

    @Test
    void parsesTheSharedAccounts() throws IOException {
        for (JsonNode c : vectors().get("parse")) {
            JsonNode parsed = c.get("parsed");
            Optional<PayerAccounts.Account> expected = parsed.isNull()
                    ? Optional.empty()
                    : Optional.of(new PayerAccounts.Account(
                            parsed.get(0).textValue(), parsed.get(1).textValue()));
            assertEquals(
                    expected,
                    PayerAccounts.parse(c.get("account").textValue()),
                    c.get("account").textValue());
        }
    }

    private static String escaped(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints()
                .forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04X", c) : Character.toString(c)));
        return out.toString();
    }
}
