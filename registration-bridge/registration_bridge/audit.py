"""The audit log: every change to a manager's payer data (imports, unlocks, released claims, retired payers, new
bill passwords) from the API, the command line and the desk, with who did it and the row counts.

`record` only adds the entry to the session: the caller's commit writes it in the same transaction as the
change it describes, so there is no change without its entry and no entry without its change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .csv_import import ImportReport
from .models import AuditEntry

IMPORT_PAYERS = "import_payers"
IMPORT_PAYERS_REJECTED = "import_payers_rejected"
UNLOCK = "unlock"
RELEASE_CLAIM = "release_claim"  # the desk's Sprosti: a payer account taken from the resident who claimed it
RETIRE_PAYERS = "retire_payers"  # a complete list applied: payers it lacks left the registry, their claims ended
NEW_BILL_PASSWORD = "new_bill_password"  # a new registration letter: the payer's old bill password stops working


@dataclass(frozen=True)
class Actor:
    name: str
    via: str  # "api", "cli" or "desk"
    subject: str | None = None


def import_details(report: ImportReport, source: str | None = None) -> dict[str, Any]:
    details: dict[str, Any] = {
        "rows": report.rows,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "encoding": report.encoding,
    }
    if source:
        details["source"] = source[:200]
    return details


class AuditLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, actor: Actor, action: str, manager_id: str | None, details: dict[str, Any]) -> None:
        self._session.add(
            AuditEntry(
                actor=actor.name[:200],
                actor_subject=actor.subject,
                via=actor.via,
                action=action,
                manager_id=manager_id,
                details=details,
            )
        )

    def entries(
        self, manager_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[AuditEntry]:
        """The newest entries first (of one manager, when given); `before_id` pages further back."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if manager_id is not None:
            query = query.where(AuditEntry.manager_id == manager_id)
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        return list(self._session.scalars(query))
