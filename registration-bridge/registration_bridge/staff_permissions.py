"""Per-manager admin permissions of staff in Keycloak (fine-grained admin permissions v2, Keycloak 26.7).

A manager is an organization (alias = manager id); its staff are the realm group `/manager-staff/<alias>` (the
group the bridge's admin API also reads, admin_access.py). For each organization this sets up, on the realm's
`admin-permissions` client:

- group policy `manager-staff-<alias>`: members of `/manager-staff/<alias>` or of a subgroup of it;
- permission `<alias>-organization`: `Organizations` `view` on that organization (list, read, count members);
- permission `<alias>-members`: `Groups` `view-members` on the organization's own (internal) group, which holds
  its members: the members list shows them, and nobody else's users.

Staff also need realm-management `query-users` + `query-organizations` (no `view-*`: that would switch the
filtering off); realm/esoseska.json gives those to `/manager-staff`. Keycloak 26.7.3 can not import an
`Organizations` permission with the realm (it imports permissions before organizations), hence this step, run
after the import and again after a manager is added; it is idempotent. It needs an admin who may change the
realm (manage-realm) and read organizations and groups: `registration-bridge staff-permissions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from keycloak import KeycloakAdmin

STAFF_PARENT_GROUP = "manager-staff"
ADMIN_PERMISSIONS_CLIENT = "admin-permissions"
PROBE_GROUP = "staff-permissions-probe"


class StaffPermissionsError(Exception):
    """The realm is not set up for it (no organizations, no admin permissions, unknown manager)."""


@dataclass
class StaffPermissions:
    admin: KeycloakAdmin

    def apply(self, manager_id: str | None = None) -> list[str]:
        """Sets up one manager's (or every organization's) staff permissions; returns one line per manager."""
        organizations = self._organizations()
        if manager_id is not None:
            organizations = [org for org in organizations if org["alias"] == manager_id]
            if not organizations:
                raise StaffPermissionsError(f"no organization with the alias {manager_id!r} in the realm")
        server = self._resource_server()
        return [self._apply_one(server, org) for org in organizations]

    # --- per organization ------------------------------------------------------------------------------------
    def _apply_one(self, server: str, org: dict[str, Any]) -> str:
        alias = org["alias"]
        staff_group = self._staff_group(alias)
        policy = f"manager-staff-{alias}"
        changed = self._put(
            server,
            "policy",
            "group",
            {
                "name": policy,
                "description": f"Staff of {org['name']}: members of /manager-staff/{alias} (or of a subgroup)",
                "logic": "POSITIVE",
                "groups": [{"id": staff_group, "extendChildren": True}],
            },
        )
        changed |= self._put(
            server,
            "permission",
            "scope",
            {
                "name": f"{alias}-organization",
                "description": f"Staff of {org['name']} see their organization",
                "resourceType": "Organizations",
                "resources": [org["id"]],
                "scopes": ["view"],
                "policies": [policy],
                "decisionStrategy": "UNANIMOUS",
            },
        )
        changed |= self._put(
            server,
            "permission",
            "scope",
            {
                "name": f"{alias}-members",
                "description": f"Staff of {org['name']} see their organization's members",
                "resourceType": "Groups",
                "resources": [self._internal_group(org["id"])],
                "scopes": ["view-members"],
                "policies": [policy],
                "decisionStrategy": "UNANIMOUS",
            },
        )
        return f"{alias}: {'set up' if changed else 'already set up'}"

    def _organizations(self) -> list[dict[str, Any]]:
        response = self._get(f"{self._realm_url}/organizations", first=0, max=1000, briefRepresentation=True)
        if response.status_code == 404:
            raise StaffPermissionsError("organizations are not enabled in the realm (organizationsEnabled)")
        _check(response)
        return list(response.json())

    def _resource_server(self) -> str:
        client_id = self.admin.get_client_id(ADMIN_PERMISSIONS_CLIENT)
        if client_id is None:
            raise StaffPermissionsError(
                "the realm has no admin-permissions client: admin permissions are off (adminPermissionsEnabled)"
            )
        return f"{self._realm_url}/clients/{client_id}/authz/resource-server"

    def _staff_group(self, alias: str) -> str:
        """The id of /manager-staff/<alias>, made when a new manager has none yet."""
        path = f"/{STAFF_PARENT_GROUP}/{alias}"
        response = self._get(f"{self._realm_url}/group-by-path{path}")
        if response.status_code == 200:
            return str(response.json()["id"])
        parent = self._get(f"{self._realm_url}/group-by-path/{STAFF_PARENT_GROUP}")
        _check(parent)
        created = self.admin.connection.raw_post(
            f"{self._realm_url}/groups/{parent.json()['id']}/children", data=_body({"name": alias})
        )
        _check(created)
        return str(created.headers["Location"].rstrip("/").rsplit("/", 1)[-1])

    def _internal_group(self, org_id: str) -> str:
        """The organization's own group (its members); its id shows only as the parent of an organization group."""
        groups = f"{self._realm_url}/organizations/{org_id}/groups"
        response = self._get(groups, first=0, max=1, briefRepresentation=False)
        _check(response)
        if response.json() and response.json()[0].get("parentId"):
            return str(response.json()[0]["parentId"])
        created = self.admin.connection.raw_post(groups, data=_body({"name": PROBE_GROUP}))
        _check(created)
        probe = created.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        try:
            rep = self._get(f"{groups}/{probe}")
            _check(rep)
            return str(rep.json()["parentId"])
        finally:
            _check(self.admin.connection.raw_delete(f"{groups}/{probe}"))

    # --- create or converge by name --------------------------------------------------------------------------
    def _put(self, server: str, kind: str, type_: str, wanted: dict[str, Any]) -> bool:
        """Creates the policy/permission, or makes the existing one of that name equal to `wanted`; True if changed."""
        found = self._get(f"{server}/{kind}/search", name=wanted["name"])
        if found.status_code == 200 and found.content:
            existing = found.json()
            if self._same(server, existing, wanted):
                return False
            _check(
                self.admin.connection.raw_put(
                    f"{server}/{kind}/{type_}/{existing['id']}", data=_body({**wanted, "id": existing["id"]})
                )
            )
            return True
        _check(found)
        _check(self.admin.connection.raw_post(f"{server}/{kind}/{type_}", data=_body(wanted)))
        return True

    def _same(self, server: str, existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
        policy = f"{server}/policy/{existing['id']}"
        if "groups" in wanted:
            rep = self._json(f"{server}/policy/group/{existing['id']}")
            return [(g["id"], g.get("extendChildren")) for g in rep.get("groups", [])] == [
                (g["id"], g["extendChildren"]) for g in wanted["groups"]
            ]
        rep = self._json(f"{server}/permission/scope/{existing['id']}")
        return (
            rep.get("resourceType") == wanted["resourceType"]
            and sorted(r["name"] for r in self._json(f"{policy}/resources")) == sorted(wanted["resources"])
            and sorted(r["name"] for r in self._json(f"{policy}/scopes")) == sorted(wanted["scopes"])
            and sorted(p["name"] for p in self._json(f"{policy}/associatedPolicies")) == sorted(wanted["policies"])
        )

    # --- plumbing ----------------------------------------------------------------------------------------------
    @property
    def _realm_url(self) -> str:
        connection = self.admin.connection
        return f"{str(connection.base_url).rstrip('/')}/admin/realms/{connection.realm_name}"

    def _get(self, url: str, **params: Any):  # noqa: ANN202 - requests' Response
        return self.admin.connection.raw_get(url, **params)

    def _json(self, url: str) -> Any:  # noqa: ANN401 - JSON
        response = self._get(url)
        _check(response)
        return response.json() if response.content else []


def _body(body: dict[str, Any]) -> str:
    return json.dumps(body)


def _check(response) -> None:  # noqa: ANN001 - requests' Response
    if response.status_code >= 400:
        raise StaffPermissionsError(f"{response.request.method} {response.url}: {response.status_code} {response.text}")
