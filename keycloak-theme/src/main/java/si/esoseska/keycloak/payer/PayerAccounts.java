package si.esoseska.keycloak.payer;

import java.util.Optional;

/**
 * Payer codes and payer accounts, the same rule as the bridge's {@code payer_accounts.py}; both are held together
 * by {@code tests/fixtures/payer-codes.json}, read by the tests of both languages.
 */
public final class PayerAccounts {

    /**
     * Removed from payer codes wherever they stand: the code points Python's {@code str.isspace()} accepts (Unicode
     * White_Space plus the separators U+001C..U+001F) and three invisible ones that arrive with pasted or exported
     * codes: zero-width space U+200B, word joiner U+2060, byte order mark U+FEFF. An explicit list (not
     * {@link Character#isWhitespace}, which keeps U+00A0, U+2007, U+202F), the same as {@code REMOVED} in the bridge.
     */
    static final String REMOVED = "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003"
            + "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff";

    private PayerAccounts() {}

    /** A manager and a payer code of that manager. */
    public record Account(String managerId, String payerCode) {}

    /** Payer codes are matched without blanks: "1234 5678 ", "1234\u00a05678" and "12345678" are the same code. */
    public static String normalizeCode(String raw) {
        StringBuilder code = new StringBuilder(raw.length());
        raw.codePoints().filter(c -> c > 0xFFFF || REMOVED.indexOf(c) < 0).forEach(code::appendCodePoint);
        return code.toString();
    }

    /** The payer account as it appears in tokens and on users: {@code <manager id>:<payer code>}. */
    public static String format(String managerId, String payerCode) {
        if (managerId.isEmpty() || managerId.indexOf(':') >= 0) {
            throw new IllegalArgumentException("not a manager id for a payer account: " + managerId);
        }
        return managerId + ":" + payerCode;
    }

    /** The manager and code of an account, split at its first ':'; empty when it is no account (no ':'). */
    public static Optional<Account> parse(String account) {
        int colon = account.indexOf(':');
        return colon < 0
                ? Optional.empty()
                : Optional.of(new Account(account.substring(0, colon), account.substring(colon + 1)));
    }
}
