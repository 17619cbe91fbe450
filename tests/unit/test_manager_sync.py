"""Managers follow Keycloak's organizations: PUT /v1/managers/<alias> (the listener), `sync-managers` (the repair),
and a disabled manager takes no new registrations or inquiries while its payers and claims stay."""

from __future__ import annotations

import json
import uuid

import pytest
import responses
from click.testing import CliRunner
from registration_bridge.cli import main
from registration_bridge.models import Claim, Manager
from registration_bridge.signing import HEADER, sign
from sqlalchemy import select

from .support import (
    BILL_PASSWORD_KEY,
    CALLBACK_SECRET,
    CLAIMS,
    MANAGER_ID,
    MANAGER_NAME,
    PAYERS,
    VERIFY,
    add_manager,
    claim,
    count,
    sessions,
    verify_body,
)

KEYCLOAK = "http://kc"
TOKEN_URL = f"{KEYCLOAK}/realms/esoseska/protocol/openid-connect/token"
ORGS_URL = f"{KEYCLOAK}/admin/realms/esoseska/organizations"


@pytest.fixture
def put_signed(client):
    def put(alias: str, payload: dict, *, secret: str = CALLBACK_SECRET):
        body = json.dumps({"request_id": uuid.uuid4().hex, **payload}).encode()
        path = f"/v1/managers/{alias}"
        return client.put(
            path, data=body, headers={HEADER: sign(secret, "PUT", path, body)}, content_type="application/json"
        )

    return put


def manager_rows(app) -> dict[str, tuple]:
    with sessions(app)() as s:
        return {m.id: (m.name, m.contact_email, m.enabled) for m in s.scalars(select(Manager))}


# --- PUT /v1/managers/<alias> --------------------------------------------------------------------------------------


def test_an_organization_becomes_a_manager_and_its_rename_and_disabling_follow(app, client, put_signed):
    created = put_signed("staninvest", {"name": "Staninvest", "enabled": True, "contact_email": "info@stan.si"})
    assert created.status_code == 200, created.get_json()
    assert put_signed("staninvest", {"name": "Staninvest d.o.o.", "enabled": True}).status_code == 200
    assert manager_rows(app) == {"staninvest": ("Staninvest d.o.o.", None, True)}  # the org dropped its address
    assert client.get("/v1/managers").get_json() == {"managers": [{"id": "staninvest", "name": "Staninvest d.o.o."}]}
    assert put_signed("staninvest", {"name": "Staninvest d.o.o.", "enabled": False}).status_code == 200
    assert manager_rows(app)["staninvest"][2] is False
    assert client.get("/v1/managers").get_json() == {"managers": []}


def test_the_manager_call_must_be_signed(app, put_signed):
    response = put_signed("staninvest", {"name": "Staninvest", "enabled": True}, secret="not-the-secret")
    assert response.status_code == 401
    assert manager_rows(app) == {}


@pytest.mark.parametrize(
    ("alias", "payload", "problem"),
    [
        ("staninvest", {"name": "Staninvest", "enabled": "yes"}, "must be true or false"),
        ("staninvest", {"name": "  ", "enabled": True}, "must not be blank"),
        ("staninvest", {"enabled": True}, "missing field 'name'"),
        ("stan:invest", {"name": "Staninvest", "enabled": True}, "the alias must be"),
        ("s" * 65, {"name": "Staninvest", "enabled": True}, "the alias must be"),
    ],
)
def test_a_bad_manager_call_is_a_clear_400(app, put_signed, alias, payload, problem):
    response = put_signed(alias, payload)
    assert response.status_code == 400
    assert any(problem in p for p in response.get_json()["problems"]), response.get_json()
    assert manager_rows(app) == {}


# --- a disabled manager ---------------------------------------------------------------------------------------------


@pytest.fixture
def disabled(seeded, put_signed, ticket_for):
    ticket = ticket_for("100201")
    claim(seeded, "100200", "user-of-before")
    assert put_signed(MANAGER_ID, {"name": MANAGER_NAME, "enabled": False}).status_code == 200
    return ticket


def test_a_disabled_manager_is_refused_like_an_unknown_one_and_keeps_its_claims(seeded, disabled, post_signed):
    verify = post_signed(VERIFY, verify_body(payer_code="100201", bill_password=PAYERS["100201"]))
    assert verify.get_json()["errors"] == [{"field": "manager_id", "code": "unknown_manager"}]
    late_claim = post_signed(CLAIMS, {"ticket": disabled, "user_id": "someone-new"})
    assert late_claim.status_code == 409
    assert count(seeded, Claim) == 1  # the claim from before stays


def test_a_manager_enabled_again_takes_registrations_again(seeded, disabled, post_signed, put_signed):
    assert put_signed(MANAGER_ID, {"name": MANAGER_NAME, "enabled": True}).status_code == 200
    verify = post_signed(VERIFY, verify_body(payer_code="100201", bill_password=PAYERS["100201"]))
    assert verify.get_json()["ok"] is True


def test_a_disabled_manager_takes_no_inquiries(app, post_signed, put_signed):
    put_signed(MANAGER_ID, {"name": MANAGER_NAME, "enabled": False, "contact_email": "info@stan.si"})
    body = {"manager_id": MANAGER_ID, "name": "Ana", "email": "ana@example.si", "message": "Pozdravljeni"}
    response = post_signed("/v1/inquiries", body)
    assert response.status_code == 400
    assert {"field": "manager_id", "code": "unknown_manager"} in response.get_json()["errors"]


# --- registration-bridge sync-managers ----------------------------------------------------------------------------


def org(alias: str, name: str, *, enabled: bool = True, contact: str | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "alias": alias,
        "name": name,
        "enabled": enabled,
        "attributes": {"contactEmail": [contact]} if contact else {},
    }


def _keycloak(rsps: responses.RequestsMock, organizations: list[dict], page: int = 100) -> None:
    rsps.post(TOKEN_URL, json={"access_token": "t", "expires_in": 300, "refresh_expires_in": 0, "token_type": "Bearer"})

    def pages(request):
        first, size = int(request.params["first"]), int(request.params["max"])
        assert request.params["briefRepresentation"] == "False"  # else no attributes
        return 200, {}, json.dumps(organizations[first : first + size])

    rsps.add_callback(responses.GET, ORGS_URL, callback=pages)


def sync(database_url: str, *args: str):
    env = {
        "DATABASE_URL": database_url,
        "KEYCLOAK_URL": KEYCLOAK,
        "BRIDGE_BILL_PASSWORD_KEY": BILL_PASSWORD_KEY,
        "BRIDGE_OPS_CLIENT_SECRET": "ops-secret",
    }
    return CliRunner().invoke(main, ["sync-managers", *args], env=env, catch_exceptions=True)


def test_sync_managers_copies_every_organization_and_disables_the_gone(app, database_url):
    add_manager(app, "staninvest", "Staninvest (old name)")
    add_manager(app, "gone", "Gone d.o.o.", "gone@example.si")
    organizations = [org("staninvest", "Staninvest d.o.o.", contact="info@stan.si")]
    organizations += [org(f"upravnik-{n:03}", f"Upravnik {n:03}", enabled=n % 2 == 0) for n in range(150)]
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, organizations)
        result = sync(database_url)
    assert result.exit_code == 0, result.output
    rows = manager_rows(app)
    assert rows["staninvest"] == ("Staninvest d.o.o.", "info@stan.si", True)
    assert rows["gone"] == ("Gone d.o.o.", "gone@example.si", False)
    assert len(rows) == 152  # more than one page of 100
    assert rows["upravnik-149"] == ("Upravnik 149", None, False)
    assert "disabled  gone" in result.output


def test_sync_managers_dry_run_changes_nothing_and_a_second_run_finds_nothing(app, database_url):
    add_manager(app, "gone", "Gone d.o.o.")
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, [org("staninvest", "Staninvest d.o.o.")])
        dry = sync(database_url, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "(dry run) added     staninvest" in dry.output
    assert manager_rows(app) == {"gone": ("Gone d.o.o.", None, True)}
    for _ in range(2):
        with responses.RequestsMock() as rsps:
            _keycloak(rsps, [org("staninvest", "Staninvest d.o.o.")])
            again = sync(database_url)
    assert again.exit_code == 0, again.output
    assert "managers in step" in again.output


def test_sync_managers_skips_an_organization_whose_alias_can_not_be_a_manager(app, database_url):
    with responses.RequestsMock() as rsps:
        _keycloak(rsps, [org("Stan:invest", "Staninvest d.o.o.")])
        result = sync(database_url)
    assert result.exit_code == 0, result.output
    assert "skipped   Stan:invest" in result.output
    assert manager_rows(app) == {}


# --- registration-bridge add-manager: the organization first ------------------------------------------------------


def add(database_url: str, *args: str):
    env = {
        "DATABASE_URL": database_url,
        "KEYCLOAK_URL": KEYCLOAK,
        "BRIDGE_BILL_PASSWORD_KEY": BILL_PASSWORD_KEY,
        "BRIDGE_OPS_CLIENT_SECRET": "ops-secret",
    }
    return CliRunner().invoke(main, ["add-manager", *args], env=env, catch_exceptions=True)


def _token(rsps: responses.RequestsMock) -> None:
    rsps.post(TOKEN_URL, json={"access_token": "t", "expires_in": 300, "refresh_expires_in": 0, "token_type": "Bearer"})


def test_add_manager_creates_its_organization_and_the_bridges_row(app, database_url):
    with responses.RequestsMock() as rsps:
        _token(rsps)
        rsps.get(ORGS_URL, json=[])
        created = rsps.post(ORGS_URL, status=201, headers={"Location": f"{ORGS_URL}/new-id"})
        result = add(database_url, "staninvest", "--name", "Staninvest d.o.o.", "--contact-email", "info@stan.si")
        sent = json.loads(created.calls[0].request.body)
    assert result.exit_code == 0, result.output
    assert sent == {
        "alias": "staninvest",
        "name": "Staninvest d.o.o.",
        "enabled": True,
        "attributes": {"contactEmail": ["info@stan.si"]},
    }
    assert "organization staninvest: created" in result.output
    assert manager_rows(app) == {"staninvest": ("Staninvest d.o.o.", "info@stan.si", True)}


def test_add_manager_renames_an_existing_organization_and_keeps_its_other_attributes(app, database_url):
    existing = org("staninvest", "Staninvest", contact="info@stan.si")
    existing["attributes"]["termsUrl"] = ["https://stan.si/pogoji"]
    with responses.RequestsMock() as rsps:
        _token(rsps)
        rsps.get(ORGS_URL, json=[existing])
        updated = rsps.put(f"{ORGS_URL}/{existing['id']}", status=204)
        result = add(database_url, "staninvest", "--name", "Staninvest d.o.o.")
        sent = json.loads(updated.calls[0].request.body)
    assert result.exit_code == 0, result.output
    assert sent["name"] == "Staninvest d.o.o."
    assert sent["attributes"] == {"contactEmail": ["info@stan.si"], "termsUrl": ["https://stan.si/pogoji"]}


def test_add_manager_whose_name_another_organization_has_says_so_and_adds_nothing(app, database_url):
    with responses.RequestsMock() as rsps:
        _token(rsps)
        rsps.get(ORGS_URL, json=[])
        rsps.post(ORGS_URL, status=409, json={"errorMessage": "A organization with the same name already exists."})
        result = add(database_url, "staninvest", "--name", "Domovanje d.o.o.")
    assert result.exit_code == 1
    assert "another organization is already named 'Domovanje d.o.o.'" in result.output
    assert manager_rows(app) == {}
