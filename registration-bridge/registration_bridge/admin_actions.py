"""The operators' changes to a manager's payer data, each written together with its audit entry.

The command line and the admin API both go through here, so neither can change payers without a trace. Both write
into the caller's transaction (the request's or the command's, transactions.py), which commits the change and its
entry together.
"""

from __future__ import annotations

from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .audit import IMPORT_PAYERS, IMPORT_PAYERS_REJECTED, RELEASE_CLAIM, UNLOCK, Actor, AuditLog, import_details
from .bill_passwords import BillPasswordHasher
from .csv_import import CsvImportError, ImportReport, PayerImport
from .guessing import GuessingGuard
from .models import Claim, Payer
from .transactions import all_or_nothing


def import_payers(
    session: Session,
    hasher: BillPasswordHasher,
    manager_id: str,
    stream: IO[bytes],
    actor: Actor,
    source: str | None = None,
) -> ImportReport:
    """Import a payer list all or nothing, with its audit entry. A rejected file (CsvImportError, raised again
    here) leaves nothing of its rows, but an entry saying it was rejected (how many problems, not what they were),
    which the caller's scope commits: the import runs in a savepoint of the caller's transaction."""
    audit = AuditLog(session)
    try:
        with all_or_nothing(session):
            report = PayerImport(session, hasher).run(manager_id, stream)
    except CsvImportError as exc:
        audit.record(
            actor,
            IMPORT_PAYERS_REJECTED,
            manager_id,
            {"problems": len(exc.errors), **({"source": source[:200]} if source else {})},
        )
        raise
    audit.record(actor, IMPORT_PAYERS, manager_id, import_details(report, source))
    return report


def unlock_payer(session: Session, guard: GuessingGuard, manager_id: str, payer_code: str, actor: Actor) -> None:
    """Lift the guessing lock of a payer code; the caller's scope commits the unlock and its audit entry together."""
    AuditLog(session).record(actor, UNLOCK, manager_id, {"payer_code": payer_code})
    guard.unlock(manager_id, payer_code, actor.name)


def release_payer_claim(session: Session, manager_id: str, payer_code: str, user_id: str, actor: Actor) -> None:
    """End the claim of `user_id` on a payer (the desk's Sprosti: the flat was sold, or the wrong person
    registered), with its audit entry. The desk takes the payer account off the Keycloak account first, and
    Keycloak's claim sync may have ended the claim already by now: the entry is written either way."""
    session.execute(
        delete(Claim).where(
            Claim.keycloak_user_id == user_id,
            Claim.payer_id.in_(select(Payer.id).where(Payer.manager_id == manager_id, Payer.payer_code == payer_code)),
        )
    )
    AuditLog(session).record(actor, RELEASE_CLAIM, manager_id, {"payer_code": payer_code, "user_id": user_id})
