"""Limits on guessing bill passwords, counted in the database (so they hold across workers, replicas, restarts).

Per payer code: from the 3rd failure on, the next check must wait a growing delay (30 s, 60 s, 120 s, … at most
15 min); after 10 failures within 24 h the code is locked until the window passes or the manager unlocks it.
Per client IP and overall: a failure budget per hour. Unknown codes count like known ones, so a lock says
nothing about whether a payer exists; the form shows the same answer as for a wrong password.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import PayerUnlock, VerificationAttempt, utcnow
from .settings import Settings

# outcomes that are guesses gone wrong (a claimed payer with the right password is not a guess)
FAILURES = ("unknown_payer", "wrong_bill_password")


class Refusal(str, enum.Enum):
    PAYER_LOCKED = "locked"
    PAYER_DELAYED = "delayed"
    IP_THROTTLED = "ip_throttled"
    OVERALL_THROTTLED = "overall_throttled"


class GuessingGuard:
    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._s = settings

    def refusal(self, manager_id: str, payer_code: str, client_ip: str | None,
                now: datetime | None = None) -> Refusal | None:
        """Why this check must not be evaluated now, or None when it may."""
        now = now or utcnow()
        hour_ago = now - timedelta(hours=1)
        if self._failures(since=hour_ago) >= self._s.max_failures_per_hour:
            return Refusal.OVERALL_THROTTLED
        if client_ip and self._failures(since=hour_ago, client_ip=client_ip) >= self._s.ip_max_failures_per_hour:
            return Refusal.IP_THROTTLED
        since = now - timedelta(hours=self._s.payer_failure_window_hours)
        unlocked_at = self._session.scalar(select(func.max(PayerUnlock.at)).where(
            PayerUnlock.manager_id == manager_id, PayerUnlock.payer_code == payer_code))
        if unlocked_at is not None:
            since = max(since, _aware(unlocked_at))
        failures = self._failures(since=since, manager_id=manager_id, payer_code=payer_code)
        if failures >= self._s.payer_max_failures:
            return Refusal.PAYER_LOCKED
        if failures >= self._s.payer_delay_after_failures:
            last = self._session.scalar(select(func.max(VerificationAttempt.at)).where(
                VerificationAttempt.manager_id == manager_id, VerificationAttempt.payer_code == payer_code,
                VerificationAttempt.outcome.in_(FAILURES)))
            if last is not None and now < _aware(last) + self.delay_after(failures):
                return Refusal.PAYER_DELAYED
        return None

    def delay_after(self, failures: int) -> timedelta:
        """How long the next check must wait after this many failures (0 before the threshold)."""
        if failures < self._s.payer_delay_after_failures:
            return timedelta(0)
        steps = failures - self._s.payer_delay_after_failures
        return timedelta(seconds=min(self._s.payer_delay_base_seconds * 2 ** min(steps, 30),
                                     self._s.payer_delay_max_seconds))

    def unlock(self, manager_id: str, payer_code: str, unlocked_by: str) -> None:
        self._session.add(PayerUnlock(manager_id=manager_id, payer_code=payer_code, unlocked_by=unlocked_by))
        self._session.commit()

    def _failures(self, since: datetime, **match: str) -> int:
        query = select(func.count()).select_from(VerificationAttempt).where(
            VerificationAttempt.at >= since, VerificationAttempt.outcome.in_(FAILURES))
        for column, value in match.items():
            query = query.where(getattr(VerificationAttempt, column) == value)
        return self._session.scalar(query) or 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
