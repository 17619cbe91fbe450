"""Limits on guessing bill passwords, counted in the database (so they hold across workers, replicas, restarts).

Per payer code: from the 3rd failure on, the next check must wait a growing delay (30 s, 60 s, 120 s, … at most
15 min); after 10 failures within 24 h the code is locked until the window passes or the manager unlocks it. The
checks of one payer code are serialized (see _serialize), so these rules hold exactly however many arrive at once.
Per client network (an IPv4 address, an IPv6 /64: one subscriber's line either way) a failure budget per hour.
Unknown codes count like known ones, so a lock says nothing about whether a payer exists; the form shows the same
answer as for a wrong password.

Overall: more failures in the last hour than max_failures_per_hour means the bridge is under attack. That never
refuses a correct bill password (a flood must not switch registration off for everybody); instead the per-network
budget shrinks to ip_max_failures_per_hour_under_attack (a network that keeps failing is stopped much sooner), the
verify answer asks the form for a captcha, and operators are alerted (a metric and a WARNING log line).
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import threading
import time
import weakref
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.orm import Session

from .metrics import GUESSING_UNDER_ATTACK
from .models import FAILED_OUTCOMES_SQL, PayerUnlock, VerificationAttempt, utcnow
from .settings import Settings

log = logging.getLogger(__name__)

# outcomes that are guesses gone wrong (a claimed payer with the right password is not a guess)
FAILURES = ("unknown_payer", "wrong_bill_password")
# while under attack, a WARNING again this often (once per period, not once per call)
ATTACK_WARNING_EVERY_SECONDS = 900.0


class Refusal(str, enum.Enum):
    PAYER_LOCKED = "locked"
    PAYER_DELAYED = "delayed"
    IP_THROTTLED = "ip_throttled"  # the client's network spent its budget


def network_key(client_ip: str | None) -> str | None:
    """What one client's budget is counted by: an IPv4 address as it is, an IPv6 address by its /64 (a subscriber
    gets a whole /64, and picking a new address in it costs nothing), an IPv4-mapped IPv6 address as its IPv4
    address; anything that is not an address as itself (it is what Keycloak sent, and counts alike each time)."""
    if not client_ip:
        return None
    try:
        address = ipaddress.ip_address(client_ip.strip().split("%", 1)[0])
    except ValueError:
        return client_ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


_FAILED = text(FAILED_OUTCOMES_SQL)  # as the partial indexes of models.py say it

# Built once: the check runs on every registration, and building SQLAlchemy expressions per call cost more than
# running them. This network's failures of the last hour (the partial index on client_network, at), and this payer
# code's failures within its window and after its last unlock, with the time of the latest one.
_NETWORK_FAILURES = select(func.count()).where(
    _FAILED, VerificationAttempt.client_network == bindparam("network"), VerificationAttempt.at >= bindparam("since")
)
UNLOCKED_LATER = (
    select(PayerUnlock.id)
    .where(
        PayerUnlock.manager_id == VerificationAttempt.manager_id,
        PayerUnlock.payer_code == VerificationAttempt.payer_code,
        PayerUnlock.at > VerificationAttempt.at,
    )
    .exists()
)
_PAYER_FAILURES = select(func.count(), func.max(VerificationAttempt.at)).where(
    VerificationAttempt.manager_id == bindparam("manager_id"),
    VerificationAttempt.payer_code == bindparam("payer_code"),
    _FAILED,
    VerificationAttempt.at >= bindparam("since"),
    ~UNLOCKED_LATER,
)  # an unlock forgives the failures before it
# All failures of the last hour, counted no further than the threshold (a flood must not make counting slow)
_OVERALL_FAILURES = select(func.count()).select_from(
    select(VerificationAttempt.id)
    .where(_FAILED, VerificationAttempt.at >= bindparam("since"))
    .limit(bindparam("limit"))
    .subquery()
)
# Checks of one payer code wait for each other until the one before has committed its attempt (PostgreSQL: a lock
# of this transaction on the key, released by its commit or rollback: the request's, see transactions.py). The lock
# is held through the commit, so that commit does not wait for its WAL to reach the disk (synchronous_commit off,
# this transaction only): else every check of a code would queue behind the previous one's fsync. A database crash
# can lose the last few hundred ms of attempt rows (and of the replay cache, written in the same transaction), never
# leave them inconsistent.
_PG_SERIALIZE = text("SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtext(:key))")


class GuessingGuard:
    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._s = settings

    def refusal(
        self, manager_id: str, payer_code: str, client_ip: str | None, now: datetime | None = None
    ) -> Refusal | None:
        """Why this check must not be evaluated now, or None when it may. Call it in the transaction that records
        the attempt: it holds this payer code's checks back until that transaction ends."""
        now = now or utcnow()
        connection = self._session.connection()  # plain statements: see payer_registry._MANAGER_PAYER_CLAIM
        under_attack = self.under_attack()  # (looked up now and then: before the lock, not while holding it)
        _serialize(connection, f"{manager_id}:{payer_code}")
        network = network_key(client_ip)
        if network is not None:
            budget = self._s.ip_max_failures_per_hour_under_attack if under_attack else self._s.ip_max_failures_per_hour
            from_network = connection.execute(
                _NETWORK_FAILURES, {"network": network, "since": now - timedelta(hours=1)}
            ).scalar_one()
            if from_network >= budget:
                return Refusal.IP_THROTTLED
        failures, last = connection.execute(
            _PAYER_FAILURES,
            {
                "manager_id": manager_id,
                "payer_code": payer_code,
                "since": now - timedelta(hours=self._s.payer_failure_window_hours),
            },
        ).one()
        if failures >= self._s.payer_max_failures:
            return Refusal.PAYER_LOCKED
        if failures >= self._s.payer_delay_after_failures and now < _aware(last) + self.delay_after(failures):
            return Refusal.PAYER_DELAYED
        return None

    def under_attack(self) -> bool:
        """More failures in the last hour than max_failures_per_hour (looked at most every attack_check_seconds)."""
        return _watch_of(self._session.get_bind()).under_attack(self._session, self._s)

    def delay_after(self, failures: int) -> timedelta:
        """How long the next check must wait after this many failures (0 before the threshold)."""
        if failures < self._s.payer_delay_after_failures:
            return timedelta(0)
        steps = failures - self._s.payer_delay_after_failures
        return timedelta(
            seconds=min(self._s.payer_delay_base_seconds * 2 ** min(steps, 30), self._s.payer_delay_max_seconds)
        )

    def unlock(self, manager_id: str, payer_code: str, unlocked_by: str) -> None:
        """Forgive the payer code's failures so far (the caller's scope commits the unlock)."""
        self._session.add(PayerUnlock(manager_id=manager_id, payer_code=payer_code, unlocked_by=unlocked_by))
        self._session.flush()


def _serialize(connection: Connection, key: str) -> None:
    """Wait until no other transaction checks this payer code, and keep others waiting until this one ends: the
    failures counted next include every attempt before this one, and the next check's count includes this one."""
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_SERIALIZE, {"key": key})
        return
    # SQLite has one writer at a time: take the write lock now, before counting (not at the attempt's insert).
    # A transaction that has written already holds it (pysqlite begins one only before a write, e.g. the replay
    # cache's insert of a callback).
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _AttackWatch:
    """Whether the bridge is under attack, per process and database: looked up at most every attack_check_seconds
    (off the hot path: one count bounded by the threshold), raising the alert when it starts and while it lasts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._looked_at = float("-inf")
        self._under_attack = False
        self._warned_at = float("-inf")

    def under_attack(self, session: Session, s: Settings) -> bool:
        if time.monotonic() - self._looked_at < s.attack_check_seconds:
            return self._under_attack
        with self._lock:
            now = time.monotonic()
            if now - self._looked_at < s.attack_check_seconds:
                return self._under_attack
            failures = (
                session.connection()
                .execute(_OVERALL_FAILURES, {"since": utcnow() - timedelta(hours=1), "limit": s.max_failures_per_hour})
                .scalar_one()
            )
            under_attack = failures >= s.max_failures_per_hour
            if under_attack and now - self._warned_at >= ATTACK_WARNING_EVERY_SECONDS:
                self._warned_at = now
                log.warning(
                    "guessing: under attack, at least %d failed payer checks in the last hour; correct bill "
                    "passwords still pass, failing networks get %d failures an hour, the form is asked for "
                    "a captcha",
                    failures,
                    s.ip_max_failures_per_hour_under_attack,
                    extra={"event": "guessing_under_attack", "failures_last_hour": failures},
                )
            elif not under_attack and self._under_attack:
                self._warned_at = float("-inf")
                log.info("guessing: no longer under attack", extra={"event": "guessing_attack_over"})
            self._under_attack = under_attack
            self._looked_at = now
            GUESSING_UNDER_ATTACK.set(1 if under_attack else 0)
            return under_attack


_WATCHES: weakref.WeakKeyDictionary[object, _AttackWatch] = weakref.WeakKeyDictionary()
_WATCHES_LOCK = threading.Lock()


def _watch_of(engine) -> _AttackWatch:
    with _WATCHES_LOCK:
        watch = _WATCHES.get(engine)
        if watch is None:
            watch = _WATCHES[engine] = _AttackWatch()
        return watch


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
