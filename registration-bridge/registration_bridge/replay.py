"""The replay cache: each signed callback is accepted once. Kept in the database, so it holds across workers.

The call's signature is recorded in the call's own transaction and committed with whatever the call changes (one
commit per call): a call that fails before its commit leaves no trace, neither its changes nor its signature, so
sending it again is not a replay. While a call is in flight, the same signature sent again waits for it (PostgreSQL
holds the key's row lock, SQLite its write lock) and is refused once it commits.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from .db import InsertIfAbsent
from .models import SeenSignature, utcnow

PRUNE_EVERY_SECONDS = 60.0
_last_prune = float("-inf")  # per process: each worker prunes at most once a minute, not on every call

# built once: a seen signature inserts no row, and raises nothing that would spoil the call's transaction
_RECORD = InsertIfAbsent(SeenSignature, [SeenSignature.signature], signature=bindparam("signature"), at=bindparam("at"))


def first_use(session: Session, signature: str, tolerance_seconds: int) -> bool:
    """Record the signature that verified the call (signing.verify's answer; never a value taken from the header
    unchecked) in the session's transaction (the caller commits it); False when it was seen before (a replay)."""
    now = utcnow()
    connection = session.connection()
    _prune(connection, now - timedelta(seconds=2 * tolerance_seconds))
    return _RECORD(connection, {"signature": signature, "at": now})


def _prune(connection, before) -> None:
    """Forget signatures older than `before`: their timestamps are outside the tolerance, so they can not be
    replayed anyway."""
    global _last_prune
    if time.monotonic() - _last_prune < PRUNE_EVERY_SECONDS:
        return
    _last_prune = time.monotonic()
    connection.execute(delete(SeenSignature).where(SeenSignature.at < before))
