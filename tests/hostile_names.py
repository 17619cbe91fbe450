"""Names an attacker types into the inquiry form to get a second address into the manager's Reply-To (or a 500).

Shared by the bridge's tests (tests/unit/test_inquiry_names.py) and the page's (tests/integration/
test_inquiry_attacks.py): every name here must be refused at the name field, none may cause a 5xx.
"""

from __future__ import annotations

import random

ATTACKER = "evil@attacker.example"

HOSTILE_NAMES = {
    "comma and address": f"Čč, {ATTACKER}",
    "ascii comma and address": f"Ana, {ATTACKER}",
    "semicolon and address": f"Ana; {ATTACKER}",
    "angle brackets": f"Ana <{ATTACKER}>",
    "quoted address": f'"Ana" <{ATTACKER}>',
    "quote and backslash": 'Ana\\" <evil@attacker.example>, "x',
    "group syntax": f"Ana: {ATTACKER};",
    "encoded word": "=?utf-8?q?Ana=2C_evil=40attacker.example?=",
    "encoded word base64": "=?utf-8?b?QW5hLCBldmlsQGF0dGFja2VyLmV4YW1wbGU=?=",
    "CRLF header": "Ana\r\nBcc: victim@example.si",
    "LF header": "Ana\nReply-To: evil@attacker.example",
    "CR alone": "Ana\rNovak",
    "line separator U+2028": "Ana\u2028Novak",
    "paragraph separator U+2029": "Ana\u2029Novak",
    "next line U+0085": "Ana\u0085Novak",
    "NUL": "Ana\x00Novak",
    "tab": "Ana\tNovak",
    "escape": "Ana\x1b[31mNovak",
    "DEL": "Ana\x7fNovak",
    "right-to-left override": "Ana\u202eelpmaxe.rekcatta@live",
    "zero width space": "Ana\u200bNovak",
    "bare address": ATTACKER,
    "very long": "Ana " + "Č" * 400,
    "exactly one too long": "A" * 201,
}


ALPHABET = (
    "abcžščćđ ÁČŠŽ.-'’()&/"  # what names are made of
    ',;:<>@"\\[]=?!#$%*+_{}|~`^'  # address syntax and other symbols
    "\r\n\t\x00\x01\x1b\x7f\x85\u2028\u2029\u200b\u200e\u202e\ufeff\ud7ff\ue000\U0001f600"
)


def generated_names(count: int, seed: int = 12) -> list[str]:
    """count names made of name letters, address syntax, encoded words, controls and separators (reproducible)."""
    rng = random.Random(seed)
    pieces = ["=?utf-8?q?", "?=", "=?utf-8?b?", f", {ATTACKER}", f"<{ATTACKER}>", "Ana", "Novak", "\r\n "]
    names = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            parts.append(rng.choice(pieces) if rng.random() < 0.25 else rng.choice(ALPHABET))
        name = "".join(parts)
        if rng.random() < 0.05:
            name = name * rng.randint(20, 60)  # long ones too
        names.append(name)
    return names
