"""The bridge's own calls to Keycloak's admin API (python-keycloak).

Two service accounts: the running bridge's `registration-bridge` may only read a user (view-users: user_exists);
the command line's `registration-bridge-ops` (reconcile, repair, users, sync-managers, add-manager) lists users and
aligns `managers` (query-users, view-users, manage-users), reads organizations and creates or changes one for
add-manager (manage-organizations). Each gateway gets one of them.

The running bridge keeps one gateway per app (context.keycloak_gateway): python-keycloak's connection fetches a
service-account token at its first call and again only when 90 % of its lifetime has passed (or on a 401), so the
orphan checks of a process share one token. Its timeout is short and nothing is retried: the check runs inside a
callback that Keycloak gives up on after BRIDGE_TIMEOUT_MS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from .settings import Settings, SettingsError

PAYER_ACCOUNTS = "payer_accounts"
MANAGERS = "managers"
# the command line waits longer: nobody's registration hangs on it
OPERATIONS_TIMEOUT_SECONDS = 10


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
    def from_settings(cls, settings: Settings) -> KeycloakGateway:
        """The running bridge's gateway: reads one user at a time, nothing else."""
        return cls._connect(
            settings,
            settings.keycloak_client_id,
            settings.keycloak_client_secret,
            timeout=settings.keycloak_timeout_seconds,
            retries=0,
        )

    @classmethod
    def for_operations(cls, settings: Settings) -> KeycloakGateway:
        """The command line's gateway (reconcile, repair, users), with its own client."""
        if not settings.ops_client_secret:
            raise SettingsError(
                "BRIDGE_OPS_CLIENT_SECRET is not set: reconcile, repair and users use the Keycloak "
                f"client {settings.keycloak_ops_client_id} (docs/operations.md, 'Command line')"
            )
        return cls._connect(
            settings,
            settings.keycloak_ops_client_id,
            settings.ops_client_secret,
            timeout=OPERATIONS_TIMEOUT_SECONDS,
            retries=1,
        )

    @classmethod
    def _connect(
        cls, settings: Settings, client_id: str, client_secret: str, *, timeout: float, retries: int
    ) -> KeycloakGateway:
        connection = _Connection(
            server_url=settings.keycloak_url,
            realm_name=settings.keycloak_realm,
            client_id=client_id,
            client_secret_key=client_secret,
            verify=True,
            timeout=timeout,  # type: ignore[arg-type]  # requests takes seconds as a float
            max_retries=retries,
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

    def organizations(self) -> list[dict]:
        """Every organization of the realm with its attributes (python-keycloak pages through all of them; the
        admin API would answer 10 at a time, without attributes)."""
        return list(self._admin.get_organizations({"briefRepresentation": False}))

    def put_organization(self, alias: str, name: str, contact_email: str | None) -> str:
        """Creates the organization of a manager, or renames it (and changes its contactEmail when one is given):
        "created" or "updated". Its other attributes stay."""
        from .manager_sync import CONTACT_EMAIL_ATTRIBUTE

        found = self._admin.get_organizations({"q": f"alias:{alias}", "briefRepresentation": False, "exact": True})
        found = [org for org in found if org.get("alias") == alias]
        if not found:
            attributes = {CONTACT_EMAIL_ATTRIBUTE: [contact_email]} if contact_email else {}
            self._admin.create_organization({"alias": alias, "name": name, "enabled": True, "attributes": attributes})
            return "created"
        org = found[0]
        attributes = dict(org.get("attributes") or {})
        if contact_email:
            attributes[CONTACT_EMAIL_ATTRIBUTE] = [contact_email]
        # PUT replaces the whole organization: its domains are sent back as they are
        self._admin.update_organization(org["id"], {**org, "name": name, "attributes": attributes})
        return "updated"

    def set_managers(self, user_id: str, managers: list[str]) -> None:
        rep = self._admin.get_user(user_id)
        rep.setdefault("attributes", {})[MANAGERS] = managers
        self._admin.update_user(user_id, rep)


class _Connection(KeycloakOpenIDConnection):
    """python-keycloak's connection, whose token requests keep its max_retries (the library's own token client
    would retry once, doubling the wait on a silent Keycloak)."""

    @property
    def keycloak_openid(self) -> KeycloakOpenID:
        if self._keycloak_openid is None:
            assert self.server_url and self.client_id and self.realm_name, "set by KeycloakGateway"
            self._keycloak_openid = KeycloakOpenID(
                server_url=self.server_url,
                client_id=self.client_id,
                realm_name=self.realm_name,
                verify=self.verify,
                client_secret_key=self.client_secret_key,
                timeout=self.timeout,
                max_retries=self.max_retries,
            )
        return self._keycloak_openid


def _linked_user(rep: dict) -> LinkedUser:
    attributes = rep.get("attributes") or {}
    name = " ".join(part for part in (rep.get("firstName"), rep.get("lastName")) if part)
    return LinkedUser(
        rep["id"],
        rep.get("email"),
        name,
        list(attributes.get(PAYER_ACCOUNTS) or []),
        list(attributes.get(MANAGERS) or []),
    )
