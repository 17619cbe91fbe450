"""Managers are Keycloak organizations: what an admin does to one in the admin API (as the console does) shows in
the bridge's managers, through the listener at once and through `sync-managers` when the bridge missed it; and
`migrate-to-organizations` moves an installation from before organizations onto them."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest
import requests
from keycloak import KeycloakAdmin
from registration_bridge.db import make_engine
from registration_bridge.models import Manager
from sqlalchemy import select

from devstack.layout import REALM, VENV_BIN
from devstack.stack import ADMIN_PASSWORD, ADMIN_USER

from .conftest import run_bridge_cli

pytestmark = pytest.mark.integration


def managers_in_bridge(stack) -> dict[str, tuple]:
    engine = make_engine(stack.settings.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Manager.id, Manager.name, Manager.contact_email, Manager.enabled))
            return {row.id: (row.name, row.contact_email, row.enabled) for row in rows}
    finally:
        engine.dispose()


def wait_for(condition, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture(scope="module")
def organizations_on(stack, admin):
    """The test realm moved onto organizations as an installation from before would be: organizations enabled, the
    demo managers' organizations created from the bridge (a realm that has them already is left as it is)."""
    result = migrate(stack, REALM)
    assert result.returncode == 0, result.stdout + result.stderr
    return admin


@pytest.fixture
def alias(organizations_on):
    alias = f"test-{uuid.uuid4().hex[:8]}"
    yield alias
    for org in organizations_on.get_organizations({"q": f"alias:{alias}"}):
        organizations_on.delete_organization(org["id"])


def org_rep(admin, alias: str) -> dict:
    [org] = admin.get_organizations({"q": f"alias:{alias}", "briefRepresentation": False})
    return org


def test_an_organization_created_renamed_disabled_and_deleted_in_keycloak_follows_in_the_bridge(stack, admin, alias):
    admin.create_organization(
        {"alias": alias, "name": f"Upravnik {alias}", "attributes": {"contactEmail": ["uprava@example.si"]}}
    )
    created = (f"Upravnik {alias}", "uprava@example.si", True)
    assert wait_for(lambda: managers_in_bridge(stack).get(alias) == created), managers_in_bridge(stack).get(alias)
    listed = requests.get(f"{stack.settings.bridge_url}/v1/managers", timeout=10).json()["managers"]
    assert {"id": alias, "name": f"Upravnik {alias}"} in listed

    org = org_rep(admin, alias)
    admin.update_organization(org["id"], {**org, "name": f"Novo ime {alias}", "enabled": False})
    renamed = (f"Novo ime {alias}", "uprava@example.si", False)
    assert wait_for(lambda: managers_in_bridge(stack).get(alias) == renamed), managers_in_bridge(stack).get(alias)

    admin.update_organization(org["id"], {**org, "enabled": True})
    assert wait_for(lambda: managers_in_bridge(stack).get(alias, (None, None, False))[2] is True)
    admin.delete_organization(org["id"])
    assert wait_for(lambda: managers_in_bridge(stack).get(alias, (None, None, True))[2] is False)


def test_sync_managers_catches_up_on_what_the_bridge_missed_while_it_was_down(stack, admin, alias):
    stack.bridge.stop()
    try:
        admin.create_organization({"alias": alias, "name": f"Zamujeni {alias}"})
        time.sleep(1)  # the listener's call fails now (logged; left for sync-managers)
    finally:
        stack.bridge.start().wait_ready()
    assert alias not in managers_in_bridge(stack)

    dry = run_bridge_cli(stack, "sync-managers", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"(dry run) added     {alias}" in dry.stdout
    assert alias not in managers_in_bridge(stack)

    synced = run_bridge_cli(stack, "sync-managers")
    assert synced.returncode == 0, synced.stderr
    assert managers_in_bridge(stack)[alias] == (f"Zamujeni {alias}", None, True)
    assert managers_in_bridge(stack)["staninvest"][2] is True  # its organization exists: still enabled

    again = run_bridge_cli(stack, "sync-managers")
    assert alias not in again.stdout


# --- migrate-to-organizations ---------------------------------------------------------------------------------------


@pytest.fixture
def old_realm(stack, admin):
    """A realm as before organizations: none enabled, the default browser flow with its Organization step, users
    whose managers are only in their attributes."""
    name = f"old-{uuid.uuid4().hex[:6]}"
    admin.create_realm({"realm": name, "enabled": True})
    old = KeycloakAdmin(
        server_url=stack.settings.keycloak_url,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        realm_name=name,
        user_realm_name="master",
    )
    profile = old.get_realm_users_profile()
    old.update_realm_users_profile({**profile, "unmanagedAttributePolicy": "ENABLED"})
    users = {
        "ana": {"payer_accounts": ["staninvest:100200"], "managers": ["staninvest"]},
        "bojan": {"payer_accounts": ["staninvest:100201", "domovanje:200100"]},
        "cene": {"managers": ["domovanje"]},
        "dora": {},
    }
    for username, attributes in users.items():
        old.create_user(
            {"username": username, "email": f"{username}@example.si", "enabled": True, "attributes": attributes}
        )
    yield name, old
    admin.delete_realm(name)


def migrate(stack, realm: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "registration-bridge"), "migrate-to-organizations", *args],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **stack.settings.bridge_environment(),
            "KEYCLOAK_REALM": realm,
            "KEYCLOAK_ADMIN_USER": ADMIN_USER,
            "KEYCLOAK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        },
        check=False,
    )


def members(old: KeycloakAdmin) -> dict[str, set[str]]:
    return {
        org["alias"]: {m["username"] for m in old.get_organization_members(org["id"])}
        for org in old.get_organizations({"briefRepresentation": False})
    }


def organization_step(old: KeycloakAdmin) -> str:
    [step] = [e for e in old.get_authentication_flow_executions("browser") if e["displayName"] == "Organization"]
    return step["requirement"]


def test_migrate_to_organizations_moves_an_installation_from_before_onto_them(stack, old_realm):
    name, old = old_realm
    assert old.get_realm(name)["organizationsEnabled"] is False
    assert organization_step(old) != "DISABLED"
    bridge = {m: v for m, v in managers_in_bridge(stack).items() if m in ("staninvest", "domovanje")}
    assert set(bridge) == {"staninvest", "domovanje"}, "the demo managers of the bridge"

    dry = migrate(stack, name, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "(dry run) created  organization staninvest" in dry.stdout
    assert old.get_realm(name)["organizationsEnabled"] is False  # a dry run changes nothing

    result = migrate(stack, name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert old.get_realm(name)["organizationsEnabled"] is True
    assert organization_step(old) == "DISABLED"
    orgs = {org["alias"]: org for org in old.get_organizations({"briefRepresentation": False})}
    assert orgs["staninvest"]["name"] == bridge["staninvest"][0]
    assert orgs["staninvest"]["attributes"]["contactEmail"] == [bridge["staninvest"][1]]
    assert orgs["domovanje"]["enabled"] is True
    found = members(old)
    assert found["staninvest"] == {"ana", "bojan"}
    assert found["domovanje"] == {"bojan", "cene"}

    again = migrate(stack, name)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing to migrate" in again.stdout
    assert members(old) == found
