"""Find a payer for the desk: by any part of its code, holder name or address, or by its unit; and one payer's
state (free, registered, delayed or locked by the guessing limits) with its recent checks."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, union
from sqlalchemy.orm import Session

from .guessing import UNLOCKED_LATER, GuessingGuard
from .models import FAILED_OUTCOMES_SQL, Claim, Payer, VerificationAttempt, utcnow
from .payer_accounts import normalize_payer_code
from .retention import truncated_ip
from .settings import Settings

RECENT_ATTEMPTS = 30
# a part of a code, name or address is looked for from this many characters on (the trigram indexes' unit)
MIN_PART = 3


class PayerState(enum.StrEnum):
    FREE = "free"
    CLAIMED = "claimed"
    DELAYED = "delayed"
    LOCKED = "locked"


@dataclass(frozen=True)
class PayerStatus:
    payer_code: str
    holder_name: str | None
    address: str | None
    unit: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    state: PayerState
    failures: int
    blocked_since: datetime | None
    blocked_until: datetime | None


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str
    client: str  # the network, never the whole address


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_payers(
    session: Session, settings: Settings, manager_id: str, query: str, limit: int = 25
) -> list[PayerStatus]:
    """The manager's payers whose code is the query or contains it, whose holder name or address contains it, or
    whose unit is it; ordered by code. Each way is its own indexed query (an OR of them would make the database read
    every payer of the manager for a code that matches one), joined by a UNION."""
    query = query.strip()
    if not query:
        return []
    code = normalize_payer_code(query)
    ways = [Payer.unit == query]
    if code:
        ways.append(Payer.payer_code == code)
    if len(query) >= MIN_PART:
        pattern = _like(query)
        ways += [Payer.holder_name.ilike(pattern, escape="\\"), Payer.address.ilike(pattern, escape="\\")]
        if len(code) >= MIN_PART:
            ways.append(Payer.payer_code.ilike(_like(code), escape="\\"))
    parts = [
        select(Payer.id, Payer.payer_code)
        .where(Payer.manager_id == manager_id, way)
        .order_by(Payer.payer_code)
        .limit(limit)
        .subquery()
        for way in ways
    ]
    found = union(*(select(part.c.id, part.c.payer_code) for part in parts)).subquery()
    ids = select(found.c.id).order_by(found.c.payer_code).limit(limit)
    rows = session.execute(
        select(Payer, Claim)
        .outerjoin(Claim, Claim.payer_id == Payer.id)
        .where(Payer.id.in_(ids))
        .order_by(Payer.payer_code)
    ).all()
    now = utcnow()
    return [_status(session, settings, manager_id, payer, claim, now) for payer, claim in rows]


def payer_detail(
    session: Session, settings: Settings, manager_id: str, payer_code: str
) -> tuple[PayerStatus, list[Attempt]] | None:
    code = normalize_payer_code(payer_code)
    found = session.execute(
        select(Payer, Claim)
        .outerjoin(Claim, Claim.payer_id == Payer.id)
        .where(Payer.manager_id == manager_id, Payer.payer_code == code)
    ).first()
    if found is None:
        return None
    payer, claim = found
    attempts = [
        Attempt(_aware(at), outcome, _client(ip))
        for at, outcome, ip in session.execute(
            select(VerificationAttempt.at, VerificationAttempt.outcome, VerificationAttempt.client_ip)
            .where(VerificationAttempt.manager_id == manager_id, VerificationAttempt.payer_code == code)
            .order_by(VerificationAttempt.at.desc())
            .limit(RECENT_ATTEMPTS)
        )
    ]
    return _status(session, settings, manager_id, payer, claim, utcnow()), attempts


def _status(
    session: Session, settings: Settings, manager_id: str, payer: Payer, claim: Claim | None, now: datetime
) -> PayerStatus:
    failures = _failures(session, settings, manager_id, payer.payer_code, now)
    state = PayerState.CLAIMED if claim is not None else PayerState.FREE
    since = until = None
    count = len(failures)
    if count >= settings.payer_max_failures:
        state = PayerState.LOCKED
        since = failures[settings.payer_max_failures - 1]
        until = failures[count - settings.payer_max_failures] + timedelta(hours=settings.payer_failure_window_hours)
    elif count >= settings.payer_delay_after_failures:
        delay_ends = failures[-1] + GuessingGuard(session, settings).delay_after(count)
        if now < delay_ends:
            state, since, until = PayerState.DELAYED, failures[-1], delay_ends
    return PayerStatus(
        payer_code=payer.payer_code,
        holder_name=payer.holder_name,
        address=payer.address,
        unit=payer.unit,
        claimed_by=claim.keycloak_user_id if claim else None,
        claimed_at=_aware(claim.claimed_at) if claim else None,
        state=state,
        failures=count,
        blocked_since=since,
        blocked_until=until,
    )


def _failures(session: Session, settings: Settings, manager_id: str, payer_code: str, now: datetime) -> list[datetime]:
    """The times of the code's failures that count now (within the window, after its last unlock), oldest first."""
    return [
        _aware(at)
        for at in session.scalars(
            select(VerificationAttempt.at)
            .where(
                VerificationAttempt.manager_id == manager_id,
                VerificationAttempt.payer_code == payer_code,
                text(FAILED_OUTCOMES_SQL),
                VerificationAttempt.at >= now - timedelta(hours=settings.payer_failure_window_hours),
                ~UNLOCKED_LATER,
            )
            .order_by(VerificationAttempt.at)
        )
    ]


def _client(client_ip: str | None) -> str:
    if not client_ip:
        return ""
    return truncated_ip(client_ip) or ""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
