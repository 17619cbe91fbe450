"""The operators' changes to a manager's payer data, each written together with its audit entry.

The command line and the admin API both go through here, so neither can change payers without a trace.
"""

from __future__ import annotations

from typing import IO

from sqlalchemy.orm import Session

from .audit import IMPORT_PAYERS, IMPORT_PAYERS_REJECTED, UNLOCK, Actor, AuditLog, import_details
from .bill_passwords import BillPasswordHasher
from .csv_import import CsvImportError, ImportReport, PayerImport
from .guessing import GuessingGuard


def import_payers(
    session: Session,
    hasher: BillPasswordHasher,
    manager_id: str,
    stream: IO[bytes],
    actor: Actor,
    source: str | None = None,
) -> ImportReport:
    """Import a payer list all or nothing; the audit entry commits with the payers. A rejected file is
    recorded too (how many problems, not what they were), after the import was rolled back."""
    audit = AuditLog(session)
    try:
        return PayerImport(session, hasher).run(
            manager_id,
            stream,
            before_commit=lambda report: audit.record(actor, IMPORT_PAYERS, manager_id, import_details(report, source)),
        )
    except CsvImportError as exc:
        audit.record(
            actor,
            IMPORT_PAYERS_REJECTED,
            manager_id,
            {"problems": len(exc.errors), **({"source": source[:200]} if source else {})},
        )
        session.commit()
        raise


def unlock_payer(session: Session, guard: GuessingGuard, manager_id: str, payer_code: str, actor: Actor) -> None:
    """Lift the guessing lock of a payer code; the unlock and its audit entry commit together."""
    AuditLog(session).record(actor, UNLOCK, manager_id, {"payer_code": payer_code})
    guard.unlock(manager_id, payer_code, actor.name)  # commits the session: the entry above with it
