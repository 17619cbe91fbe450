"""The audit log: every payer import (API and CLI) and every unlock, with who did it and the row counts.

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


@dataclass(frozen=True)
class Actor:
    name: str
    via: str  # "api" or "cli"
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
