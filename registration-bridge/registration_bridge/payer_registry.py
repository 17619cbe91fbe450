"""The payer registry: checks a payer against its bill, records claims, and answers who claimed what.

It writes into the session it is given and never commits: the request or the command does (transactions.py).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from .bill_passwords import BillPasswordHasher
from .db import InsertIfAbsent
from .guessing import GuessingGuard, network_key
from .models import Claim, Manager, Payer, VerificationAttempt, utcnow
from .payer_accounts import format_account, normalize_payer_code

log = logging.getLogger(__name__)

# The manager (its row decides "unknown manager"), the payer and its claim, in one statement built once. Columns,
# not ORM objects, and run on the session's connection: the check runs on every registration, and the ORM's
# execution and loading layers cost more than the statements (this and the statements below)
_MANAGER_PAYER_CLAIM = (
    select(Manager.id, Payer.bill_password_hash, Claim.id.label("claim_id"), Claim.keycloak_user_id, Claim.claimed_at)
    .outerjoin(Payer, and_(Payer.manager_id == Manager.id, Payer.payer_code == bindparam("payer_code")))
    .outerjoin(Claim, Claim.payer_id == Payer.id)
    .where(Manager.id == bindparam("manager_id"), Manager.enabled)  # a disabled manager is an unknown one
)

# A payer of an enabled manager and who claimed it (None: nobody), for the claim
_PAYER_AND_CLAIMANT = (
    select(Payer.id, Claim.keycloak_user_id)
    .join(Manager, Manager.id == Payer.manager_id)
    .outerjoin(Claim, Claim.payer_id == Payer.id)
    .where(Payer.manager_id == bindparam("manager_id"), Payer.payer_code == bindparam("payer_code"), Manager.enabled)
)
_CLAIMANT = select(Claim.keycloak_user_id).where(Claim.payer_id == bindparam("payer_id"))

# Built once, as plain inserts (the ORM's unit of work cost more than the statements): the attempt log's row, and a
# claim that a racing claim of the same payer, committed first, leaves uninserted instead of failing
_RECORD_ATTEMPT = insert(VerificationAttempt).values(
    manager_id=bindparam("manager_id"),
    payer_code=bindparam("payer_code"),
    outcome=bindparam("outcome"),
    client_ip=bindparam("client_ip"),
    client_network=bindparam("client_network"),
    at=bindparam("at"),
)
_RECORD_CLAIM = InsertIfAbsent(
    Claim,
    [Claim.payer_id],
    payer_id=bindparam("payer_id"),
    manager_id=bindparam("manager_id"),
    keycloak_user_id=bindparam("user_id"),
    claimed_at=bindparam("at"),
)

# Hash compared when the payer does not exist, so an unknown code costs as much as a wrong password.
_ABSENT_DIGEST = "0" * 64


class Outcome(str, enum.Enum):
    VERIFIED = "verified"
    UNKNOWN_MANAGER = "unknown_manager"
    UNKNOWN_PAYER = "unknown_payer"
    WRONG_BILL_PASSWORD = "wrong_bill_password"
    ALREADY_CLAIMED = "already_claimed"
    # refused by the guessing limits before the password was even compared (see guessing.py)
    LOCKED = "locked"
    DELAYED = "delayed"
    IP_THROTTLED = "ip_throttled"  # the client's network spent its failure budget


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    manager_id: str
    payer_code: str
    # the bridge is under a guessing attack: the form should ask for a captcha (guessing.py)
    captcha_required: bool = False

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED

    @property
    def payer_account(self) -> str:
        return format_account(self.manager_id, self.payer_code)


class ClaimOutcome(str, enum.Enum):
    CLAIMED = "claimed"
    ALREADY_YOURS = "already_yours"
    CLAIMED_BY_OTHER = "claimed_by_other"
    UNKNOWN_PAYER = "unknown_payer"


@dataclass(frozen=True)
class ClaimRow:
    manager_id: str
    payer_code: str
    keycloak_user_id: str
    claimed_at: str
    holder_name: str | None


class PayerRegistry:
    def __init__(
        self,
        session: Session,
        hasher: BillPasswordHasher,
        guard: GuessingGuard | None = None,
        user_exists: Callable[[str], bool] | None = None,
        orphan_claim_age: timedelta = timedelta(seconds=60),
    ) -> None:
        self._session = session
        self._hasher = hasher
        self._guard = guard
        # asks Keycloak whether a claim's user exists (None: never asked, every claim counts)
        self._user_exists = user_exists
        self._orphan_claim_age = orphan_claim_age

    # --- managers -------------------------------------------------------------------------
    def managers(self, *, enabled_only: bool = True) -> list[Manager]:
        query = select(Manager).order_by(Manager.name)
        return list(self._session.scalars(query.where(Manager.enabled) if enabled_only else query))

    def manager(self, manager_id: str) -> Manager | None:
        return self._session.get(Manager, manager_id)

    def add_manager(self, manager_id: str, name: str, contact_email: str | None = None) -> Manager:
        """Add a manager, or rename it (and change its contact address when one is given)."""
        manager = self._session.get(Manager, manager_id)
        if manager is None:
            manager = Manager(id=manager_id, name=name, contact_email=contact_email)
            self._session.add(manager)
        else:
            manager.name = name
            if contact_email is not None:
                manager.contact_email = contact_email
        self._session.flush()
        return manager

    def put_manager(self, manager_id: str, name: str, contact_email: str | None, enabled: bool) -> Manager:
        """The manager as its organization is now (manager_sync.py): name, contact address (None: no inquiries)
        and enabled, all replaced."""
        manager = self._session.get(Manager, manager_id)
        if manager is None:
            manager = Manager(id=manager_id, name=name)
            self._session.add(manager)
        manager.name = name
        manager.contact_email = contact_email
        manager.enabled = enabled
        self._session.flush()
        return manager

    def disable_manager(self, manager_id: str) -> bool:
        """Its organization is gone: no new registrations; payers and claims stay. False: no such manager."""
        manager = self._session.get(Manager, manager_id)
        if manager is None:
            return False
        manager.enabled = False
        self._session.flush()
        return True

    # --- the payer check ------------------------------------------------------------------
    def check(self, manager_id: str, payer_code: str, bill_password: str, client_ip: str | None) -> CheckResult:
        """Check a payer against the bill. Writes the attempt log's row (and releases an orphan claim) in the
        caller's transaction; the next check of this payer code, held back by the guessing limits, goes on when
        that transaction ends (the request's commit, transactions.py)."""
        code = normalize_payer_code(payer_code)
        connection = self._session.connection()
        found = connection.execute(_MANAGER_PAYER_CLAIM, {"manager_id": manager_id, "payer_code": code}).one_or_none()
        payer_exists = found is not None and found.bill_password_hash is not None
        claimed = found is not None and found.claim_id is not None
        stored = found.bill_password_hash if found is not None and payer_exists else _ABSENT_DIGEST
        password_ok = self._hasher.matches(stored, manager_id, code, bill_password)
        refusal = self._guard.refusal(manager_id, code, client_ip) if self._guard is not None else None
        if found is None:
            outcome = Outcome.UNKNOWN_MANAGER
        elif refusal is not None:
            outcome = Outcome(refusal.value)
        elif not payer_exists:
            outcome = Outcome.UNKNOWN_PAYER
        elif not password_ok:
            outcome = Outcome.WRONG_BILL_PASSWORD
        elif claimed and not self._released_as_orphan(found.claim_id, found.keycloak_user_id, found.claimed_at):
            outcome = Outcome.ALREADY_CLAIMED
        else:
            outcome = Outcome.VERIFIED
        connection.execute(
            _RECORD_ATTEMPT,
            {
                "manager_id": manager_id[:64],
                "payer_code": code[:64],
                "outcome": outcome.value,
                "client_ip": client_ip,
                "client_network": network_key(client_ip),
                "at": utcnow(),
            },
        )
        captcha_required = self._guard is not None and self._guard.under_attack()
        return CheckResult(outcome, manager_id, code, captcha_required)

    def _released_as_orphan(self, claim_id: int, user_id: str, claimed_at: datetime) -> bool:
        """A claim whose registration never committed (the bridge died before Keycloak heard back) blocks no one:
        once it is older than any registration in flight and its user does not exist, it is released here."""
        if self._user_exists is None:
            return False
        claimed_at = claimed_at if claimed_at.tzinfo else claimed_at.replace(tzinfo=UTC)
        if utcnow() - claimed_at < self._orphan_claim_age:
            return False
        try:
            if self._user_exists(user_id):
                return False
        except Exception:  # Keycloak not answering: the claim stands (fail closed)
            log.warning("could not ask Keycloak about user %s; claim kept", user_id)
            return False
        log.info("released orphan claim of missing user %s", user_id)
        self._session.connection().execute(delete(Claim).where(Claim.id == claim_id))
        return True

    # --- claims ---------------------------------------------------------------------------
    def claim(self, manager_id: str, payer_code: str, keycloak_user_id: str) -> ClaimOutcome:
        """Record payer → user. Idempotent for the same user; the unique constraint settles races."""
        connection = self._session.connection()
        found = connection.execute(
            _PAYER_AND_CLAIMANT, {"manager_id": manager_id, "payer_code": payer_code}
        ).one_or_none()
        if found is None:
            return ClaimOutcome.UNKNOWN_PAYER
        if found.keycloak_user_id is not None:
            return self._existing_claim_outcome(found.keycloak_user_id, keycloak_user_id)
        if _RECORD_CLAIM(
            connection, {"payer_id": found.id, "manager_id": manager_id, "user_id": keycloak_user_id, "at": utcnow()}
        ):
            return ClaimOutcome.CLAIMED
        # a racing claim of this payer committed first (its row lock made this insert wait for it)
        winner = connection.execute(_CLAIMANT, {"payer_id": found.id}).scalar()
        if winner is None:  # pragma: no cover - the winner released it again in between
            return ClaimOutcome.CLAIMED_BY_OTHER
        return self._existing_claim_outcome(winner, keycloak_user_id)

    @staticmethod
    def _existing_claim_outcome(claimed_by: str, keycloak_user_id: str) -> ClaimOutcome:
        if claimed_by == keycloak_user_id:
            return ClaimOutcome.ALREADY_YOURS
        return ClaimOutcome.CLAIMED_BY_OTHER

    def claims(self, manager_id: str | None = None) -> list[ClaimRow]:
        query = (
            select(Claim, Payer).join(Payer, Claim.payer_id == Payer.id).order_by(Payer.manager_id, Payer.payer_code)
        )
        if manager_id is not None:
            query = query.where(Payer.manager_id == manager_id)
        return self._claim_rows(query)

    def claims_page(self, manager_id: str, after: str | None, limit: int) -> list[ClaimRow]:
        """Up to `limit` claims of one manager by payer code, those after the payer code `after` (keyset paging)."""
        query = (
            select(Claim, Payer)
            .join(Payer, Claim.payer_id == Payer.id)
            .where(Payer.manager_id == manager_id)
            .order_by(Payer.payer_code)
            .limit(limit)
        )
        if after is not None:
            query = query.where(Payer.payer_code > after)
        return self._claim_rows(query)

    def _claim_rows(self, query) -> list[ClaimRow]:
        return [
            ClaimRow(
                payer.manager_id,
                payer.payer_code,
                claim.keycloak_user_id,
                claim.claimed_at.isoformat(timespec="seconds"),
                payer.holder_name,
            )
            for claim, payer in self._session.execute(query)
        ]

    def sync_user_claims(self, keycloak_user_id: str, payer_accounts: list[str]) -> list[str]:
        """Release the user's claims on payer accounts they no longer have; returns the released accounts."""
        keep = set(payer_accounts)
        released = []
        for claim, payer in self._session.execute(
            select(Claim, Payer)
            .join(Payer, Claim.payer_id == Payer.id)
            .where(Claim.keycloak_user_id == keycloak_user_id)
        ):
            if payer.account not in keep:
                self._session.delete(claim)
                released.append(payer.account)
        self._session.flush()
        return sorted(released)

    def release_claim(self, manager_id: str, payer_code: str) -> bool:
        payer = self._find_payer(manager_id, payer_code)
        if payer is None or payer.claim is None:
            return False
        self._session.delete(payer.claim)
        self._session.flush()
        return True

    def payer_exists(self, manager_id: str, payer_code: str) -> bool:
        return self._find_payer(manager_id, payer_code) is not None

    def _find_payer(self, manager_id: str, payer_code: str) -> Payer | None:
        return self._session.scalar(select(Payer).where(Payer.manager_id == manager_id, Payer.payer_code == payer_code))
