"""New registration letters: a new bill password for one payer, for a resident who lost the bill.

The password is made here, its keyed hash replaces the old one (which stops working at once), and the plaintext is
returned to be printed once: it is never stored, logged or put in the audit entry.
"""

from __future__ import annotations

import secrets
from typing import cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from .audit import NEW_BILL_PASSWORD, Actor, AuditLog
from .bill_passwords import BillPasswordHasher
from .models import Payer, utcnow

# letters and digits that can not be mistaken for each other on paper (no 0/O, 1/l/I, 5/S, 2/Z, 8/B)
ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
GROUPS, GROUP_LENGTH = 3, 4  # "K7QM-3XWD-TA9F": 60 bits, typed from paper without doubt


def new_bill_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))


def issue_new_bill_password(
    session: Session, hasher: BillPasswordHasher, manager_id: str, payer_code: str, actor: Actor
) -> str | None:
    """Replace the payer's bill password; the new one (to print), or None when there is no such payer."""
    password = new_bill_password()
    changed = cast(
        CursorResult,
        session.execute(
            update(Payer)
            .where(Payer.manager_id == manager_id, Payer.payer_code == payer_code)
            .values(bill_password_hash=hasher.digest(manager_id, payer_code, password), updated_at=utcnow())
        ),
    ).rowcount
    if not changed:
        return None
    AuditLog(session).record(actor, NEW_BILL_PASSWORD, manager_id, {"payer_code": payer_code})
    return password
