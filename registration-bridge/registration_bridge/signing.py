"""Signatures of the calls between Keycloak and the bridge: one scheme, "v2", and nothing else is accepted.

Header, exactly (ASCII, no spaces, these two parts in this order):

    X-Signature: t=<unix seconds>,v2=<64 lowercase hex digits>

where the hex is HMAC-SHA256(secret, message) and the message is the bytes

    <t> LF <METHOD> LF <path> LF <raw body>

- <t> is the timestamp exactly as sent (ASCII digits, at most 12, no sign);
- <METHOD> is the HTTP method in capitals (POST);
- <path> is the endpoint's path as the bridge routes it (Flask's request.path), e.g. /v1/registrations/verify,
  without a query string and without the base path under which the bridge may be mounted: Keycloak signs the path
  relative to its bridgeUrl, and a bridge behind a prefix (a proxy that strips it, or gunicorn's SCRIPT_NAME) sees
  the same path. It must be printable ASCII (no LF), so the three separators can not be shifted;
- <raw body> is the body's bytes as sent.

So a captured call is valid for its own method, endpoint and body only, for `tolerance` seconds, and once (the
replay cache, replay.py, keys on the signature that verified). Anything else in the header (another part, a second
`t` or `v2`, the old `v1`, whitespace, capitals, bytes that are not ASCII) is malformed and refused: a bridge that
answers it must not be able to tell it apart from a wrong signature, nor fail on it.

The same scheme is implemented in Java (CallbackSigner); both are tested against tests/fixtures/signature-vector.json.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

HEADER = "X-Signature"
SCHEME = "v2"

# the whole header value; [0-9] and [0-9a-f] are ASCII only (unlike str.isdigit() or \d, which take "²" or "١")
_FORMAT = re.compile(r"t=([0-9]{1,12}),v2=([0-9a-f]{64})")
_MAX_HEADER = 12 + 64 + len("t=,v2=")
_PRINTABLE_ASCII = re.compile(r"[!-~]+")
_METHOD = re.compile(r"[A-Z]+")


def message(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    """The signed bytes; ValueError for a method or path outside the scheme (those are never signed)."""
    if not _METHOD.fullmatch(method) or not _PRINTABLE_ASCII.fullmatch(path) or not path.startswith("/"):
        raise ValueError("the method must be capital letters and the path printable ASCII starting with /")
    return f"{timestamp}\n{method}\n{path}\n".encode("ascii") + body


def signature(secret: str, timestamp: int | str, method: str, path: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message(str(timestamp), method, path, body), hashlib.sha256).hexdigest()


def sign(secret: str, method: str, path: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for a call, signed now (or at the given unix time)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},{SCHEME}={signature(secret, t, method, path, body)}"


def parse(header: str | None) -> tuple[str, str] | None:
    """(timestamp as sent, signature hex) of a well-formed header, else None. Never raises."""
    if not isinstance(header, str) or len(header) > _MAX_HEADER:
        return None
    match = _FORMAT.fullmatch(header)
    return (match[1], match[2]) if match else None


def verify(
    header: str | None,
    method: str,
    path: str,
    body: bytes,
    secrets: tuple[str, ...],
    tolerance_seconds: int,
    now: float | None = None,
) -> str | None:
    """The signature that verified (the replay cache's key) when the header carries a fresh signature of this call
    by one of the secrets; None for anything else. Never raises."""
    parsed = parse(header)
    if parsed is None:
        return None
    timestamp, candidate = parsed
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return None
    try:
        signed = message(timestamp, method, path, body)
    except ValueError:
        return None
    valid = False
    for secret in secrets:  # every secret is tried, so the time taken does not tell which one matched
        expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
        valid |= hmac.compare_digest(expected, candidate)
    return candidate if valid else None
