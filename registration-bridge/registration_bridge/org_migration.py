"""`registration-bridge migrate-to-organizations`: an installation from before managers were organizations.

One run, idempotent (a second run finds nothing to do), with a dry run:
1. Organizations are enabled in the realm;
2. the Organization step of the realm's browser flow is set to DISABLED (else the login page turns identity-first);
3. every bridge manager gets its organization: alias = manager id, its name, attribute `contactEmail`, enabled as
   the manager (an organization that exists already is left as it is: it is the source of truth);
4. every user becomes an (unmanaged) member of the organizations of their `managers` and `payer_accounts`.

It acts as a realm administrator (the realm and its flows are beyond the ops client's roles).
"""

from __future__ import annotations

from dataclasses import dataclass

from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

from .keycloak_gateway import MANAGERS, PAYER_ACCOUNTS
from .manager_sync import CONTACT_EMAIL_ATTRIBUTE
from .models import Manager
from .payer_accounts import parse_account

_NOT_YET = "(not yet) "  # what a dry run takes for the id of an organization it would create


@dataclass(frozen=True)
class Step:
    action: str  # enabled, disabled, created, member, conflict
    what: str

    def __str__(self) -> str:
        return f"{self.action:<8} {self.what}"


class OrganizationMigration:
    def __init__(self, admin: KeycloakAdmin, managers: list[Manager], *, dry_run: bool) -> None:
        self._admin = admin
        self._realm = admin.connection.realm_name or ""
        self._managers = managers
        self._dry_run = dry_run
        self.steps: list[Step] = []

    def run(self) -> list[Step]:
        self._enable_organizations()
        self._disable_organization_login_step()
        org_ids = self._create_organizations()
        self._add_members(org_ids)
        return self.steps

    def _step(self, action: str, what: str) -> None:
        self.steps.append(Step(action, what))

    def _enable_organizations(self) -> None:
        realm = self._realm
        if self._admin.get_realm(realm).get("organizationsEnabled"):
            return
        self._step("enabled", f"organizations in realm {realm}")
        if not self._dry_run:
            self._admin.update_realm(realm, {"organizationsEnabled": True})

    def _disable_organization_login_step(self) -> None:
        realm = self._admin.get_realm(self._realm)
        for flow in dict.fromkeys([realm.get("browserFlow") or "browser", "browser"]):
            for execution in self._admin.get_authentication_flow_executions(flow):
                is_org_step = execution.get("level") == 0 and (
                    execution.get("providerId") == "organization"
                    or (execution.get("authenticationFlow") and "organization" in execution["displayName"].lower())
                )
                if is_org_step and execution.get("requirement") != "DISABLED":
                    self._step("disabled", f"step {execution['displayName']!r} of flow {flow!r}")
                    if not self._dry_run:
                        self._admin.update_authentication_flow_executions(
                            {**execution, "requirement": "DISABLED"}, flow
                        )

    def _create_organizations(self) -> dict[str, str]:
        """alias → organization id of every manager's organization (a dry run: _NOT_YET + alias if it would make it)."""
        existing = {org["alias"]: org for org in self._all_organizations()}
        names = {org["name"] for org in existing.values()}
        ids = {alias: org["id"] for alias, org in existing.items()}
        for manager in self._managers:
            if manager.id in existing:
                continue
            if manager.name in names:
                self._step("conflict", f"{manager.id}: another organization is named {manager.name!r}; rename one")
                continue
            self._step("created", f"organization {manager.id} ({manager.name})")
            if self._dry_run:
                ids[manager.id] = _NOT_YET + manager.id  # its members are listed all the same
                continue
            payload = {"alias": manager.id, "name": manager.name, "enabled": manager.enabled}
            if manager.contact_email:
                payload["attributes"] = {CONTACT_EMAIL_ATTRIBUTE: [manager.contact_email]}
            ids[manager.id] = self._admin.create_organization(payload) or ""
            names.add(manager.name)
        return ids

    def _all_organizations(self) -> list[dict]:
        realm = self._realm
        if not self._admin.get_realm(realm).get("organizationsEnabled"):
            return []  # a dry run on a realm without them: none exist yet
        return list(self._admin.get_organizations({"briefRepresentation": False}))

    def _add_members(self, org_ids: dict[str, str]) -> None:
        members: dict[str, set[str]] = {}
        for user in self._admin.get_users({"briefRepresentation": False}):
            for alias in sorted(_managers_of(user)):
                org_id = org_ids.get(alias)
                if org_id is None:
                    continue  # no such manager (reconcile reports those)
                if org_id not in members:
                    members[org_id] = (
                        set()
                        if org_id.startswith(_NOT_YET)
                        else {m["id"] for m in self._admin.get_organization_members(org_id)}
                    )
                if user["id"] in members[org_id]:
                    continue
                self._step("member", f"{user.get('username')} in {alias}")
                if not self._dry_run:
                    try:
                        self._admin.organization_user_add(user["id"], org_id)
                    except KeycloakError as exc:
                        if exc.response_code != 409:  # already a member: a racing run did it
                            raise
                    members[org_id].add(user["id"])

    def _member_ids(self, org_id: str) -> set[str]:
        if org_id.startswith(_NOT_YET):
            return set()
        return {m["id"] for m in self._admin.get_organization_members(org_id)}


def _managers_of(user: dict) -> set[str]:
    attributes = user.get("attributes") or {}
    aliases = {m for m in attributes.get(MANAGERS) or [] if m}
    for account in attributes.get(PAYER_ACCOUNTS) or []:
        parsed = parse_account(account)
        if parsed is not None:
            aliases.add(parsed[0])
    return aliases
