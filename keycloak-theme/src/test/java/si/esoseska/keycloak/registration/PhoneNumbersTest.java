package si.esoseska.keycloak.registration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Phone numbers as residents type them, stored and shown as {@code 041 123 456}. */
class PhoneNumbersTest {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "041123456",
                "041 123 456",
                "  041 123 456  ",
                "+386 41 123 456",
                "+38641123456",
                "00386-41-123-456",
                "(041) 123-456",
                "041/123-456",
                "041.123.456",
                "\t041 123\t456",
            })
    void everyUsualWayOfTypingAMobileNumberGivesTheSameNumber(String typed) {
        assertEquals(Optional.of("041 123 456"), PhoneNumbers.normalize(typed));
    }

    @Test
    void landlineNumbersAreNineDigitsToo() {
        assertEquals(Optional.of("012 345 678"), PhoneNumbers.normalize("+386 1 234 56 78"));
        assertEquals(Optional.of("012 345 678"), PhoneNumbers.normalize("01 234 56 78"));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "04112345", // a digit short
                "0411234567", // a digit too many
                "41 123 456", // no leading 0
                "041 123 45a",
                "O41 123 456", // letter O for the zero
                "041 123 456 ext 2",
                "+43 660 1234567", // Austrian
                "0043 660 1234567",
                "+386 41 123 4567",
                "041 123 456 / 041 654 321",
            })
    void anythingButANineDigitSlovenianNumberIsRefused(String typed) {
        assertEquals(Optional.empty(), PhoneNumbers.normalize(typed));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t", "-", "()"})
    void noNumberIsEmpty(String typed) {
        assertEquals(Optional.empty(), PhoneNumbers.normalize(typed));
    }
}
