"""The desk's overview of one manager's registry: how many payers, how many registered, this week's registrations,
the codes locked now and the last import. Each figure is one indexed count (docs/performance.md has the timings on
a million payers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .audit import IMPORT_PAYERS
from .guessing import UNLOCKED_LATER
from .models import FAILED_OUTCOMES_SQL, AuditEntry, Claim, Payer, VerificationAttempt, utcnow
from .settings import Settings


@dataclass(frozen=True)
class LastImport:
    at: datetime
    actor: str
    rows: int


@dataclass(frozen=True)
class Overview:
    payers: int
    claimed: int
    registrations_this_week: int
    locked_now: int
    last_import: LastImport | None

    @property
    def claimed_share(self) -> float:
        return self.claimed / self.payers if self.payers else 0.0


def overview(session: Session, settings: Settings, manager_id: str, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    payers = session.scalar(select(func.count()).select_from(Payer).where(Payer.manager_id == manager_id)) or 0
    claimed = session.scalar(select(func.count()).select_from(Claim).where(Claim.manager_id == manager_id)) or 0
    this_week = (
        session.scalar(
            select(func.count())
            .select_from(Claim)
            .where(Claim.manager_id == manager_id, Claim.claimed_at >= now - timedelta(days=7))
        )
        or 0
    )
    return Overview(
        payers=payers,
        claimed=claimed,
        registrations_this_week=this_week,
        locked_now=locked_codes(session, settings, manager_id, now),
        last_import=_last_import(session, manager_id),
    )


def locked_codes(session: Session, settings: Settings, manager_id: str, now: datetime) -> int:
    """Payer codes with as many failures within the window (after their last unlock) as lock them
    (guessing.GuessingGuard's rule)."""
    locked = (
        select(VerificationAttempt.payer_code)
        .where(
            text(FAILED_OUTCOMES_SQL),
            VerificationAttempt.at >= now - timedelta(hours=settings.payer_failure_window_hours),
            VerificationAttempt.manager_id == manager_id,
            ~UNLOCKED_LATER,  # an unlock forgives the failures before it, as for the check
        )
        .group_by(VerificationAttempt.payer_code)
        .having(func.count() >= settings.payer_max_failures)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(locked)) or 0


def _last_import(session: Session, manager_id: str) -> LastImport | None:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.manager_id == manager_id, AuditEntry.action == IMPORT_PAYERS)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return None
    return LastImport(entry.at, entry.actor, int((entry.details or {}).get("rows", 0)))
