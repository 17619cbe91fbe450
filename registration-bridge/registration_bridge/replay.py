"""The replay cache: each signed callback is accepted once. Kept in the database, so it holds across workers."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import SeenSignature, utcnow

PRUNE_EVERY_SECONDS = 60.0
_last_prune = float("-inf")  # per process: each worker prunes at most once a minute, not on every call


def first_use(session: Session, signature_header: str, tolerance_seconds: int) -> bool:
    """Record the call's signature; False when it was seen before (a replay)."""
    parts = dict(part.strip().partition("=")[::2] for part in signature_header.split(","))
    key = parts.get("v1", "")[:64]
    now = utcnow()
    _prune(session, now - timedelta(seconds=2 * tolerance_seconds))
    session.add(SeenSignature(signature=key, at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def _prune(session: Session, before) -> None:
    """Forget signatures older than `before`: their timestamps are outside the tolerance, so they can not be
    replayed anyway."""
    global _last_prune
    if time.monotonic() - _last_prune < PRUNE_EVERY_SECONDS:
        return
    _last_prune = time.monotonic()
    session.execute(delete(SeenSignature).where(SeenSignature.at < before))
