"""Managers are Keycloak organizations: the bridge keeps a row per organization, keyed by its alias.

Keycloak's listener (esoseska-organization-sync) tells the bridge about each change after it committed
(api/manager_sync.py); `registration-bridge sync-managers` reads every organization through the operator's client
and repairs what a missed call left behind: each organization's name, `contactEmail` and enabled flag are copied,
and a manager whose organization is gone is disabled (its payers and claims stay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Manager
from .payer_registry import PayerRegistry

# the organization attribute with the address that inquiries ("Povpraševanje") go to
CONTACT_EMAIL_ATTRIBUTE = "contactEmail"
# a manager's id (and its organization's alias): the manager part of `<manager>:<payer code>`, signed in URL paths
MANAGER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def valid_alias(alias: str) -> bool:
    """An alias the bridge can key a manager by: a slug such as `staninvest`."""
    return bool(MANAGER_ID.fullmatch(alias))


@dataclass(frozen=True)
class Organization:
    alias: str
    name: str
    enabled: bool
    contact_email: str | None

    @classmethod
    def from_representation(cls, rep: dict) -> Organization:
        emails = (rep.get("attributes") or {}).get(CONTACT_EMAIL_ATTRIBUTE) or []
        contact = next((e.strip() for e in emails if isinstance(e, str) and e.strip()), None)
        return cls(rep["alias"], rep["name"].strip(), bool(rep.get("enabled", True)), contact)


@dataclass(frozen=True)
class SyncChange:
    manager_id: str
    action: str  # added, updated, disabled, skipped

    def __str__(self) -> str:
        return f"{self.action:<9} {self.manager_id}"


def sync_managers(registry: PayerRegistry, organizations: list[Organization], *, dry_run: bool) -> list[SyncChange]:
    """Makes the bridge's managers equal to the organizations; returns what changed (or would change)."""
    changes: list[SyncChange] = []
    seen = set()
    for org in organizations:
        name_limit = Manager.name.type.length
        email_limit = Manager.contact_email.type.length
        if not valid_alias(org.alias) or len(org.name) > name_limit or len(org.contact_email or "") > email_limit:
            changes.append(SyncChange(org.alias, "skipped"))
            continue
        seen.add(org.alias)
        current = registry.manager(org.alias)
        wanted = (org.name, org.contact_email, org.enabled)
        if current is not None and (current.name, current.contact_email, current.enabled) == wanted:
            continue
        changes.append(SyncChange(org.alias, "added" if current is None else "updated"))
        if not dry_run:
            registry.put_manager(org.alias, org.name, org.contact_email, org.enabled)
    for manager in registry.managers(enabled_only=False):
        if manager.id not in seen and manager.enabled:
            changes.append(SyncChange(manager.id, "disabled"))
            if not dry_run:
                registry.disable_manager(manager.id)
    return changes
