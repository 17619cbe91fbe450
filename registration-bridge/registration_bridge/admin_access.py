"""Who may change which manager's payer list, read from a checked access token.

The layout in Keycloak (realm-export.json), managed in the admin console without code:
- realm role `platform-admin`: every manager (the group `/platform-admins` carries it);
- group `/manager-staff/<manager id>` (or any subgroup of it): that manager only; the admin API's client
  scope puts the user's groups with their full path into the token's `groups` claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PLATFORM_ADMIN_ROLE = "platform-admin"
MANAGER_STAFF_GROUP = "/manager-staff/"


@dataclass(frozen=True)
class AdminPrincipal:
    subject: str
    username: str
    platform_admin: bool
    staff_of: frozenset[str]

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> AdminPrincipal:
        realm_access = claims.get("realm_access")
        roles = realm_access.get("roles") if isinstance(realm_access, dict) else None
        groups = claims.get("groups")
        return cls(
            subject=str(claims["sub"]),
            username=str(claims.get("preferred_username") or claims.get("azp") or claims["sub"]),
            platform_admin=isinstance(roles, list) and PLATFORM_ADMIN_ROLE in roles,
            staff_of=frozenset(m for m in map(_manager_of, groups) if m) if isinstance(groups, list) else frozenset(),
        )

    def may_manage(self, manager_id: str) -> bool:
        return self.platform_admin or manager_id in self.staff_of


def _manager_of(group_path: object) -> str | None:
    """`/manager-staff/staninvest` (or `/manager-staff/staninvest/…`) → `staninvest`."""
    if not isinstance(group_path, str) or not group_path.startswith(MANAGER_STAFF_GROUP):
        return None
    return group_path[len(MANAGER_STAFF_GROUP) :].split("/", 1)[0] or None
