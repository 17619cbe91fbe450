"""Finds and fixes drift between Keycloak's links (user attributes) and the bridge's claims, both ways.

Keycloak's `payer_accounts` attributes are the truth for who is linked to what (admins edit them in the console):
- a claim whose user is gone, or whose user no longer has that payer account, is released;
- a payer account on a user without a claim is claimed for that user when the payer is free (else reported);
- `managers` is made to list exactly the managers of the user's payer accounts.
Claims younger than the grace period are left alone: their registration may not have committed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from .keycloak_gateway import KeycloakGateway
from .payer_accounts import format_account, parse_account
from .payer_registry import PayerRegistry

# the one kind of finding whose change is made in Keycloak (its `managers` attribute); the others change the registry
CHANGES_KEYCLOAK = "aligned"


@dataclass(frozen=True)
class Finding:
    action: str  # released | claimed | aligned | conflict | unknown
    user_id: str
    detail: str

    def __str__(self) -> str:
        return f"{self.action:<9} user {self.user_id}: {self.detail}"


class Reconciler:
    def __init__(
        self,
        registry: PayerRegistry,
        gateway: KeycloakGateway,
        *,
        dry_run: bool = False,
        grace: timedelta = timedelta(minutes=10),
        only_missing_users: bool = False,
    ) -> None:
        self._registry = registry
        self._gateway = gateway
        self._dry_run = dry_run
        self._grace = grace
        self._only_missing_users = only_missing_users

    def run(self) -> list[Finding]:
        """Decide everything first (asking Keycloak), then change Keycloak's attributes, then the registry. The
        registry's changes go into the caller's transaction (the command's, transactions.py): an error on the way
        leaves the registry as it was, and its write lock is held for the registry's statements only, never while
        Keycloak is asked. (Keycloak's changes made before an error stay: each is right on its own.)"""
        plan = self._plan()
        if not self._dry_run:
            changes = [(finding, apply) for finding, apply in plan if apply is not None]
            for _finding, apply in sorted(changes, key=lambda change: change[0].action != CHANGES_KEYCLOAK):
                apply()
        return [finding for finding, _apply in plan]

    def _plan(self) -> list[tuple[Finding, Callable[[], object] | None]]:
        plan: list[tuple[Finding, Callable[[], object] | None]] = []
        cutoff = datetime.now(UTC) - self._grace
        all_claims = self._registry.claims()
        users = None if self._only_missing_users else self._gateway.linked_users()

        for claim in all_claims:
            if _aware(datetime.fromisoformat(claim.claimed_at)) > cutoff:
                continue
            account = format_account(claim.manager_id, claim.payer_code)
            user = users.get(claim.keycloak_user_id) if users is not None else None
            if user is None and not self._gateway.user_exists(claim.keycloak_user_id):
                reason = "the user no longer exists"
            elif users is not None and (user is None or account not in user.payer_accounts):
                reason = "no longer on the user in Keycloak"
            else:
                continue
            plan.append(
                (
                    Finding("released", claim.keycloak_user_id, f"{account} ({reason})"),
                    partial(self._registry.release_claim, claim.manager_id, claim.payer_code),
                )
            )
        if users is None:
            return plan

        claimed = {(c.manager_id, c.payer_code): c.keycloak_user_id for c in all_claims}
        for user in users.values():
            for account in user.payer_accounts:
                manager_id, payer_code = parse_account(account) or (account, "")  # no ':': unknown below
                holder = claimed.get((manager_id, payer_code))
                if holder == user.id:
                    continue
                if holder is not None:
                    plan.append(
                        (
                            Finding(
                                "conflict",
                                user.id,
                                f"{account} is claimed by user {holder}; decide in "
                                "the admin console which account keeps it",
                            ),
                            None,
                        )
                    )
                elif not self._registry.payer_exists(manager_id, payer_code):
                    plan.append((Finding("unknown", user.id, f"{account} is not in the payer registry"), None))
                else:
                    plan.append(
                        (
                            Finding("claimed", user.id, f"{account} (linked in Keycloak, now claimed)"),
                            partial(self._registry.claim, manager_id, payer_code, user.id),
                        )
                    )
            expected = sorted({parsed[0] for parsed in map(parse_account, user.payer_accounts) if parsed})
            if sorted(user.managers) != expected:
                plan.append(
                    (
                        Finding("aligned", user.id, f"managers {sorted(user.managers)} → {expected}"),
                        partial(self._gateway.set_managers, user.id, expected),
                    )
                )
        return plan


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
