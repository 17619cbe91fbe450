"""Solves the "Nisem robot" challenge of our pages (ALTCHA v1, as the provider issues it: Altcha.java) the way the
widget does: tries 0..maxnumber until sha256(salt + number) is the challenge, and posts the payload the widget would."""

from __future__ import annotations

import base64
import hashlib
import json


def solve(challenge: dict) -> str:
    """The widget's payload for a challenge (the JSON of <altcha-widget challenge=...>)."""
    assert challenge["algorithm"] == "SHA-256", challenge
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(int(challenge["maxnumber"]) + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return payload(challenge, number)
    raise AssertionError(f"no number up to {challenge['maxnumber']} solves {challenge}")


def payload(of: dict, number: int, **changes: object) -> str:
    """The payload for a number (right or wrong), with any of its fields changed (to forge one)."""
    fields = {
        "algorithm": of["algorithm"],
        "challenge": of["challenge"],
        "number": number,
        "salt": of["salt"],
        "signature": of["signature"],
        "took": 1,
        **changes,
    }
    return base64.b64encode(json.dumps(fields).encode()).decode()
