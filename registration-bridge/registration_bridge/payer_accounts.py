"""Payer codes and payer accounts, the same rule as the Keycloak provider's PayerAccounts.java.

Both are held together by tests/fixtures/payer-codes.json, read by the tests of both languages.
"""

from __future__ import annotations

# Removed from payer codes wherever they stand: the code points Python's str.isspace() accepts (Unicode
# White_Space plus the separators U+001C..U+001F) and three invisible ones that arrive with pasted or exported
# codes: zero-width space U+200B, word joiner U+2060, byte order mark U+FEFF. An explicit list, so the rule does
# not follow the Unicode tables of either runtime; PayerAccounts.REMOVED in Java is the same list.
REMOVED = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
_REMOVE = dict.fromkeys(map(ord, REMOVED))


def normalize_payer_code(raw: str) -> str:
    """Payer codes are matched without blanks: '1234 5678 ', '1234\u00a05678' and '12345678' are the same code."""
    return raw.translate(_REMOVE)


def format_account(manager_id: str, payer_code: str) -> str:
    """The payer account as it appears in tokens and on Keycloak users: `<manager id>:<payer code>`."""
    if not manager_id or ":" in manager_id:
        raise ValueError(f"not a manager id for a payer account: {manager_id!r}")
    return f"{manager_id}:{payer_code}"


def parse_account(account: str) -> tuple[str, str] | None:
    """(manager id, payer code) of an account, split at its first ':'; None when it is no account (no ':')."""
    manager_id, colon, payer_code = account.partition(":")
    return (manager_id, payer_code) if colon else None
