package si.esoseska.keycloak.inquiry;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.keycloak.models.utils.FormMessage;

/** The fields of the inquiry page, and what a visitor can fix before the bridge is asked. */
record InquiryForm(String name, String email, String managerId, String message, boolean fromRobot) {

    static final String NAME = "name";
    static final String EMAIL = "email";
    static final String MANAGER_ID = "managerId";
    static final String MESSAGE = "message";
    /** Invisible to people; a form that fills it in was filled in by a program. */
    static final String HONEYPOT = "website";

    static final int MAX_NAME = 200;
    static final int MAX_EMAIL = 254;
    static final int MAX_MESSAGE = 2000;
    /** Besides letters, marks, digits and spaces, what names (and firms' names) are written with. */
    static final String NAME_PUNCTUATION = ".-'\u2019\u2018()&/\u2010\u2011\u2013";
    /** The bridge's shape (inquiries.py EMAIL_ADDRESS): ASCII, nothing that could split a mail header. */
    private static final Pattern EMAIL_SHAPE =
            Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

    static InquiryForm read(MultivaluedMap<String, String> form) {
        // browsers send line breaks as CRLF but count them once against maxlength: so do we
        String message = value(form, MESSAGE).replace("\r\n", "\n").replace('\r', '\n');
        return new InquiryForm(
                value(form, NAME),
                value(form, EMAIL),
                value(form, MANAGER_ID),
                message,
                !value(form, HONEYPOT).isEmpty());
    }

    List<FormMessage> errors() {
        List<FormMessage> errors = new ArrayList<>();
        if (name.isEmpty()) {
            errors.add(new FormMessage(NAME, "inquiryNameMissing"));
        } else if (name.length() > MAX_NAME) {
            errors.add(new FormMessage(NAME, "inquiryNameTooLong"));
        } else if (!isNameText(name)) {
            errors.add(new FormMessage(NAME, "inquiryNameInvalid"));
        }
        if (email.isEmpty()
                || email.length() > MAX_EMAIL
                || !EMAIL_SHAPE.matcher(email).matches()) {
            errors.add(new FormMessage(EMAIL, "inquiryEmailInvalid"));
        }
        if (managerId.isEmpty()) {
            errors.add(new FormMessage(MANAGER_ID, "managerMissing"));
        }
        if (message.isEmpty()) {
            errors.add(new FormMessage(MESSAGE, "inquiryMessageMissing"));
        } else if (message.length() > MAX_MESSAGE) {
            errors.add(new FormMessage(MESSAGE, "inquiryMessageTooLong", MAX_MESSAGE));
        } else if (message.chars().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)) {
            errors.add(new FormMessage(MESSAGE, "inquiryMessageInvalid"));
        }
        return errors;
    }

    /**
     * Whether a name can be the display name of the sender (the bridge's name_problem, inquiries.py): letters,
     * marks, digits, spaces and the punctuation of names. Refused: controls and line/paragraph separators,
     * format characters (bidi overrides, zero-width), and the syntax of addresses and encoded words
     * ({@code , ; : < > @ " \ = ?}) that could put another address or name into the manager's Reply-To.
     */
    static boolean isNameText(String name) {
        return name.codePoints().allMatch(InquiryForm::isNameCharacter);
    }

    private static boolean isNameCharacter(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER,
                    Character.LOWERCASE_LETTER,
                    Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER,
                    Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK,
                    Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER,
                    Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER,
                    Character.SPACE_SEPARATOR -> true;
            default -> NAME_PUNCTUATION.indexOf(cp) >= 0;
        };
    }

    private static String value(MultivaluedMap<String, String> form, String field) {
        String value = form == null ? null : form.getFirst(field);
        return value == null ? "" : value.strip();
    }
}
