"""Signatures of the calls between Keycloak and the bridge.

Header: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
The same scheme is implemented in Java (CallbackSigner); both are tested against the same vector.
"""
from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for a body, signed now (or at the given unix time)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, t, body)}"


def parse(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                return None
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return None
    return timestamp, candidates


def is_valid(header: str | None, body: bytes, secrets: tuple[str, ...], tolerance_seconds: int,
             now: float | None = None) -> bool:
    """True when the header carries a fresh signature of this body by one of the secrets."""
    if not header:
        return False
    parsed = parse(header)
    if parsed is None:
        return False
    timestamp, candidates = parsed
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        return False
    valid = False
    for secret in secrets:
        expected = signature(secret, timestamp, body)
        for candidate in candidates:
            # compare every pair, so the time taken does not tell which part matched
            valid |= hmac.compare_digest(expected, candidate)
    return valid
