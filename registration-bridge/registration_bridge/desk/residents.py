"""Residents' Keycloak accounts as the desk sees them, through its own service account (client manager-desk:
view-users to list a manager's residents, manage-users to take a released payer account off an account).

A resident of a manager is an account whose `managers` attribute holds the manager's id (Keycloak's listeners keep
it in step with the payer accounts). Taking a payer account off an account is an admin change in Keycloak, so
Keycloak's claim-sync listener realigns `managers` and the organization memberships (docs/app-developers.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakError, KeycloakGetError

from ..keycloak_gateway import MANAGERS, PAYER_ACCOUNTS
from ..payer_accounts import format_account
from ..settings import Settings

TIMEOUT_SECONDS = 10


class AccountsUnavailable(RuntimeError):
    """Keycloak did not answer (or refused): nothing was changed."""


@dataclass(frozen=True)
class Resident:
    id: str
    first_name: str
    last_name: str
    email: str
    payer_accounts: tuple[str, ...]  # of this manager only
    registered_at: datetime | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class ResidentAccounts:
    def __init__(self, admin: KeycloakAdmin) -> None:
        self._admin = admin

    @classmethod
    def from_settings(cls, settings: Settings) -> ResidentAccounts:
        connection = KeycloakOpenIDConnection(
            server_url=settings.keycloak_url,
            realm_name=settings.keycloak_realm,
            client_id=settings.desk_client_id,
            client_secret_key=settings.desk_client_secret,
            timeout=TIMEOUT_SECONDS,
        )
        return cls(KeycloakAdmin(connection=connection))

    def page(self, manager_id: str, search: str, first: int, size: int) -> list[Resident]:
        """Residents of the manager, ordered as Keycloak lists them; `search` matches name or e-mail."""
        query: dict[str, object] = {
            "q": f"{MANAGERS}:{manager_id}",
            "first": first,
            "max": size,
            "briefRepresentation": False,
        }
        if search:
            query["search"] = search
        try:
            reps = self._admin.get_users(query)
        except KeycloakError as exc:
            raise AccountsUnavailable(str(exc.response_code)) from exc
        except OSError as exc:
            raise AccountsUnavailable(exc.__class__.__name__) from exc
        return [_resident(rep, manager_id) for rep in reps]

    def all(self, manager_id: str, batch: int = 100):
        """Every resident of the manager, a batch at a time (the CSV export)."""
        first = 0
        while True:
            residents = self.page(manager_id, "", first, batch)
            yield from residents
            if len(residents) < batch:
                return
            first += batch

    def _account(self, user_id: str) -> dict | None:
        """The account's representation; None when there is no such account."""
        try:
            return self._admin.get_user(user_id)
        except KeycloakGetError as exc:
            if exc.response_code == 404:
                return None
            raise AccountsUnavailable(str(exc.response_code)) from exc
        except (KeycloakError, OSError) as exc:
            raise AccountsUnavailable(exc.__class__.__name__) from exc

    def user_label(self, user_id: str) -> str | None:
        """Name and e-mail of an account, for the pages (None: no such account)."""
        rep = self._account(user_id)
        if rep is None:
            return None
        name = " ".join(p for p in (rep.get("firstName"), rep.get("lastName")) if p)
        return f"{name} <{rep.get('email', '')}>" if name else rep.get("email", user_id)

    def remove_payer_account(self, user_id: str, manager_id: str, payer_code: str) -> bool:
        """Takes `manager:code` off the account (False: the account or the value was not there)."""
        account = format_account(manager_id, payer_code)
        rep = self._account(user_id)
        if rep is None:
            return False
        attributes = rep.get("attributes") or {}
        accounts = list(attributes.get(PAYER_ACCOUNTS) or [])
        if account not in accounts:
            return False
        attributes[PAYER_ACCOUNTS] = [a for a in accounts if a != account]
        rep["attributes"] = attributes
        try:
            self._admin.update_user(user_id, rep)
        except (KeycloakError, OSError) as exc:
            raise AccountsUnavailable(exc.__class__.__name__) from exc
        return True


def _resident(rep: dict, manager_id: str) -> Resident:
    attributes = rep.get("attributes") or {}
    prefix = f"{manager_id}:"
    created = rep.get("createdTimestamp")
    return Resident(
        id=rep["id"],
        first_name=rep.get("firstName") or "",
        last_name=rep.get("lastName") or "",
        email=rep.get("email") or "",
        payer_accounts=tuple(
            a.removeprefix(prefix) for a in attributes.get(PAYER_ACCOUNTS) or [] if a.startswith(prefix)
        ),
        registered_at=datetime.fromtimestamp(created / 1000, UTC) if created else None,
    )
