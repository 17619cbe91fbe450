"""Reconcile reads Keycloak's payer_accounts with the one account format (payer_accounts.parse_account)."""

from __future__ import annotations

from registration_bridge.keycloak_gateway import LinkedUser
from registration_bridge.payer_registry import PayerRegistry
from registration_bridge.reconcile import Reconciler

from .support import sessions


class FakeGateway:
    def __init__(self, *users: LinkedUser) -> None:
        self._users = {u.id: u for u in users}

    def linked_users(self) -> dict[str, LinkedUser]:
        return self._users

    def user_exists(self, user_id: str) -> bool:
        return user_id in self._users

    def set_managers(self, user_id: str, managers: list[str]) -> None:
        raise AssertionError("dry run")


def test_accounts_are_split_at_the_first_colon_and_a_value_without_one_is_unknown(seeded):
    user = LinkedUser("u1", None, "Ana", payer_accounts=["staninvest:100200", "staninvest:100:200", "100200"])
    with sessions(seeded)() as s:
        findings = Reconciler(
            PayerRegistry(s, seeded.extensions["bridge.hasher"]), FakeGateway(user), dry_run=True
        ).run()
    assert [(f.action, f.detail) for f in findings] == [
        ("claimed", "staninvest:100200 (linked in Keycloak, now claimed)"),
        ("unknown", "staninvest:100:200 is not in the payer registry"),
        ("unknown", "100200 is not in the payer registry"),
        ("aligned", "managers [] → ['staninvest']"),
    ]
