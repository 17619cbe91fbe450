"""Limits on guessing bill passwords, counted in the database (so they hold across workers, replicas, restarts).

Per payer code: from the 3rd failure on, the next check must wait a growing delay (30 s, 60 s, 120 s, … at most
15 min); after 10 failures within 24 h the code is locked until the window passes or the manager unlocks it.
Per client IP and overall: a failure budget per hour. Unknown codes count like known ones, so a lock says
nothing about whether a payer exists; the form shows the same answer as for a wrong password.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.orm import Session

from .models import FAILED_OUTCOMES_SQL, PayerUnlock, VerificationAttempt, utcnow
from .settings import Settings

# outcomes that are guesses gone wrong (a claimed payer with the right password is not a guess)
FAILURES = ("unknown_payer", "wrong_bill_password")


class Refusal(str, enum.Enum):
    PAYER_LOCKED = "locked"
    PAYER_DELAYED = "delayed"
    IP_THROTTLED = "ip_throttled"
    OVERALL_THROTTLED = "overall_throttled"


_FAILED = text(FAILED_OUTCOMES_SQL)  # as the partial indexes of models.py say it

# Built once: the check runs on every registration, and building SQLAlchemy expressions per call cost more than
# running them. Two statements: the last hour's failures (all, and of this client IP), and this payer code's
# failures within its window and after its last unlock, with the time of the latest one.
_RECENT_FAILURES = (
    select(func.count(),
           func.coalesce(func.sum(case((VerificationAttempt.client_ip == bindparam("ip"), 1), else_=0)), 0))
    .where(_FAILED, VerificationAttempt.at >= bindparam("since")))
_UNLOCKED_LATER = (select(PayerUnlock.id)
                   .where(PayerUnlock.manager_id == VerificationAttempt.manager_id,
                          PayerUnlock.payer_code == VerificationAttempt.payer_code,
                          PayerUnlock.at > VerificationAttempt.at)
                   .exists())
_PAYER_FAILURES = (
    select(func.count(), func.max(VerificationAttempt.at))
    .where(VerificationAttempt.manager_id == bindparam("manager_id"),
           VerificationAttempt.payer_code == bindparam("payer_code"),
           _FAILED,
           VerificationAttempt.at >= bindparam("since"),
           ~_UNLOCKED_LATER))  # an unlock forgives the failures before it


class GuessingGuard:
    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._s = settings

    def refusal(self, manager_id: str, payer_code: str, client_ip: str | None,
                now: datetime | None = None) -> Refusal | None:
        """Why this check must not be evaluated now, or None when it may."""
        now = now or utcnow()
        connection = self._session.connection()  # plain statements: see payer_registry._MANAGER_PAYER_CLAIM
        overall, from_ip = connection.execute(
            _RECENT_FAILURES, {"since": now - timedelta(hours=1), "ip": client_ip}).one()
        if overall >= self._s.max_failures_per_hour:
            return Refusal.OVERALL_THROTTLED
        if client_ip and from_ip >= self._s.ip_max_failures_per_hour:
            return Refusal.IP_THROTTLED
        failures, last = connection.execute(_PAYER_FAILURES, {
            "manager_id": manager_id, "payer_code": payer_code,
            "since": now - timedelta(hours=self._s.payer_failure_window_hours)}).one()
        if failures >= self._s.payer_max_failures:
            return Refusal.PAYER_LOCKED
        if failures >= self._s.payer_delay_after_failures and now < _aware(last) + self.delay_after(failures):
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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
