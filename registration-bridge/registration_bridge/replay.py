"""The replay cache: each signed callback is accepted once. Kept in the database, so it holds across workers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import SeenSignature, utcnow


def first_use(session: Session, signature_header: str, tolerance_seconds: int) -> bool:
    """Record the call's signature; False when it was seen before (a replay)."""
    parts = dict(part.strip().partition("=")[::2] for part in signature_header.split(","))
    key = parts.get("v1", "")[:64]
    now = utcnow()
    # older entries can not be replayed anyway: their timestamp is outside the tolerance
    session.execute(delete(SeenSignature).where(SeenSignature.at < now - timedelta(seconds=2 * tolerance_seconds)))
    session.add(SeenSignature(signature=key, at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
