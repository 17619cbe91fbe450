"""Payer codes for the tests' new payers: random, and never the same twice in one run. The tests share one stack, so
two tests drawing the same code would make one payer of two, already claimed by the first (a flaky "not verified")."""

from __future__ import annotations

import secrets

_issued: set[str] = set()


def new_payer_code(low: int = 700000, high: int = 999999) -> str:
    """A code in low..high that no other test of this run has had."""
    while True:
        code = str(low + secrets.randbelow(high - low + 1))
        if code not in _issued:
            _issued.add(code)
            return code
