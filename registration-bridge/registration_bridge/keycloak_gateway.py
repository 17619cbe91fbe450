"""The bridge's own calls to Keycloak's admin API (python-keycloak), as the `registration-bridge` service account."""
from __future__ import annotations

from dataclasses import dataclass, field

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from .settings import Settings

PAYER_ACCOUNTS = "payer_accounts"
MANAGERS = "managers"


@dataclass
class LinkedUser:
    id: str
    email: str | None
    name: str
    payer_accounts: list[str] = field(default_factory=list)
    managers: list[str] = field(default_factory=list)


class KeycloakGateway:
    def __init__(self, admin: KeycloakAdmin) -> None:
        self._admin = admin

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeycloakGateway":
        connection = KeycloakOpenIDConnection(
            server_url=settings.keycloak_url,
            realm_name=settings.keycloak_realm,
            client_id=settings.keycloak_client_id,
            client_secret_key=settings.keycloak_client_secret,
            verify=True,
            timeout=10,
        )
        return cls(KeycloakAdmin(connection=connection))

    def user_exists(self, user_id: str) -> bool:
        try:
            self._admin.get_user(user_id)
        except KeycloakGetError as exc:
            if exc.response_code == 404:
                return False
            raise
        return True

    def linked_users(self) -> dict[str, LinkedUser]:
        """Every user with managers or payer accounts, by id."""
        users = {}
        for rep in self._admin.get_users({"briefRepresentation": False}):
            attributes = rep.get("attributes") or {}
            if attributes.get(PAYER_ACCOUNTS) or attributes.get(MANAGERS):
                users[rep["id"]] = _linked_user(rep)
        return users

    def set_managers(self, user_id: str, managers: list[str]) -> None:
        rep = self._admin.get_user(user_id)
        rep.setdefault("attributes", {})[MANAGERS] = managers
        self._admin.update_user(user_id, rep)


def _linked_user(rep: dict) -> LinkedUser:
    attributes = rep.get("attributes") or {}
    name = " ".join(part for part in (rep.get("firstName"), rep.get("lastName")) if part)
    return LinkedUser(rep["id"], rep.get("email"), name, list(attributes.get(PAYER_ACCOUNTS) or []),
                      list(attributes.get(MANAGERS) or []))
