"""How long the bridge keeps personal data in its logs, enforced by the running service.

The logs of payer checks (verification_attempts) and of inquiries (inquiry_log) hold client IP addresses; the
unlocks and the audit log hold staff names. Rows older than retention_days (audit log: audit_retention_days) are
deleted, and client IPs older than ip_truncate_hours are cut to their /24 (IPv4) or /48 (IPv6), a value that
contains "/" (so a cut address is recognised and never cut again). The guessing limits count the last hour only,
so they never see a cut address.

Each worker runs a pass at most every retention_pass_seconds, in a thread of its own started by a request (off the
request's path: the request does not wait for it), with short transactions of at most BATCH rows: the pass is
neither a request nor a command, and commits each batch itself (the one exception to transactions.py's rule, so
that it never holds the write lock for long). Passes of several workers at once are harmless: each statement is
idempotent.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditEntry, InquiryLog, PayerUnlock, VerificationAttempt, utcnow
from .settings import Settings

log = logging.getLogger(__name__)

BATCH = 1000


def truncated_ip(client_ip: str) -> str | None:
    """An address cut to its /24 (IPv4, also when IPv4-mapped) or /48 (IPv6); None for what is not an address (it
    could be anything Keycloak was sent, so it is not kept)."""
    try:
        address = ipaddress.ip_address(client_ip.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if isinstance(address, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network((address, prefix), strict=False))


@dataclass
class PassReport:
    deleted: dict[str, int] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)


def run_pass(
    session: Session, s: Settings, now: datetime | None = None, truncate_since: datetime | None = None
) -> PassReport:
    """Delete what is past its retention and cut the IPs older than ip_truncate_hours (those from truncate_since on,
    when given: what an earlier pass of this process has not seen)."""
    now = now or utcnow()
    report = PassReport()
    # never what the guessing limits still count (a payer code's window), however short the retention is set
    expired = min(now - timedelta(days=s.retention_days), now - timedelta(hours=s.payer_failure_window_hours))
    for model, before in (
        (VerificationAttempt, expired),
        (InquiryLog, expired),
        (PayerUnlock, expired),
        (AuditEntry, now - timedelta(days=s.audit_retention_days)),
    ):
        report.deleted[model.__tablename__] = _delete_before(session, model, before)
    cut_before = now - timedelta(hours=s.ip_truncate_hours)
    for model in (VerificationAttempt, InquiryLog):
        report.truncated[model.__tablename__] = _truncate_ips(session, model, cut_before, truncate_since)
    return report


def _delete_before(session: Session, model, before: datetime) -> int:
    deleted = 0
    while True:
        ids = session.scalars(select(model.id).where(model.at < before).limit(BATCH)).all()
        if not ids:
            return deleted
        session.execute(delete(model).where(model.id.in_(ids)))
        session.commit()
        deleted += len(ids)


def _truncate_ips(session: Session, model, before: datetime, since: datetime | None) -> int:
    has_network = hasattr(model, "client_network")
    values: dict[str, Any] = {"client_ip": bindparam("ip")}
    if has_network:
        values["client_network"] = bindparam("ip")  # a cut address is its own network key
    statement = update(model.__table__).where(model.__table__.c.id == bindparam("row_id")).values(**values)
    query = select(model.id, model.client_ip).where(
        model.at < before, model.client_ip.is_not(None), model.client_ip.not_like("%/%")
    )
    if since is not None:
        query = query.where(model.at >= since)
    truncated = 0
    while True:
        rows = session.execute(query.limit(BATCH)).all()
        if not rows:
            return truncated
        session.connection().execute(statement, [{"row_id": row.id, "ip": truncated_ip(row.client_ip)} for row in rows])
        session.commit()
        truncated += len(rows)


class _Runner:
    """The passes of one process on one database."""

    def __init__(self) -> None:
        self.last_started = time.monotonic()  # the first pass one period after the process's first request
        self.thread: threading.Thread | None = None
        self.truncated_up_to: datetime | None = None  # every IP before this was cut by an earlier pass

    def run(self, sessions: sessionmaker, s: Settings) -> None:
        now = utcnow()
        since = self.truncated_up_to - timedelta(hours=1) if self.truncated_up_to is not None else None
        try:
            with sessions() as session:
                report = run_pass(session, s, now, truncate_since=since)
        except Exception:  # a failed pass is tried again next time; the service goes on
            log.exception("retention pass failed")
            return
        self.truncated_up_to = now - timedelta(hours=s.ip_truncate_hours)
        if any(report.deleted.values()) or any(report.truncated.values()):
            log.info(
                "retention: deleted %s, client IPs cut %s",
                report.deleted,
                report.truncated,
                extra={"event": "retention_pass", "deleted": report.deleted, "truncated": report.truncated},
            )


_RUNNERS: weakref.WeakKeyDictionary[Engine, _Runner] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def maybe_start(engine: Engine, sessions: sessionmaker, s: Settings) -> threading.Thread | None:
    """Start a pass in a thread of its own when this process's last one is retention_pass_seconds old and done."""
    runner = _RUNNERS.get(engine)
    if runner is not None and time.monotonic() - runner.last_started < s.retention_pass_seconds:
        return None  # the hot path: one look-up and one comparison
    with _LOCK:
        runner = _RUNNERS.setdefault(engine, _Runner())
        if time.monotonic() - runner.last_started < s.retention_pass_seconds or (
            runner.thread is not None and runner.thread.is_alive()
        ):
            return None
        runner.last_started = time.monotonic()
        runner.thread = threading.Thread(target=runner.run, args=(sessions, s), name="bridge-retention", daemon=True)
        runner.thread.start()
        return runner.thread


def wait(engine: Engine, timeout: float = 30) -> None:
    """Wait for this process's pass on this database, if one runs (for tests and the command line)."""
    runner = _RUNNERS.get(engine)
    if runner is not None and runner.thread is not None:
        runner.thread.join(timeout)
