"""The admin API for payer lists against the real Keycloak: staff get tokens from the token endpoint (password
grant of client payer-admin-cli), the bridge checks them against the realm's published keys."""
from __future__ import annotations

import json
import secrets
import uuid

import pytest
import requests

from devstack.layout import REALM

from .conftest import run_bridge_cli
from .keycloak_pages import jwt_claims
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration

CLI_CLIENT = "payer-admin-cli"
STAFF_PASSWORD = "Uprava-Geslo7!"


@pytest.fixture(scope="module")
def cli_secret(admin) -> str:
    return admin.get_client_secrets(admin.get_client_id(CLI_CLIENT))["value"]


@pytest.fixture
def make_staff(admin):
    """Creates a Keycloak user (random name) in a group, as an admin would in the console; deleted afterwards."""
    created = []

    def make(group_path: str | None) -> str:
        email = f"staff.{uuid.uuid4().hex[:10]}@example.si"
        user_id = admin.create_user({
            "username": email, "email": email, "emailVerified": True, "enabled": True,
            "firstName": "Mojca", "lastName": "Uprava", "attributes": {"phone_number": ["041 000 111"]},
            "credentials": [{"type": "password", "value": STAFF_PASSWORD, "temporary": False}]})
        created.append(user_id)
        if group_path:
            admin.group_user_add(user_id, admin.get_group_by_path(group_path)["id"])
        return email
    yield make
    for user_id in created:
        admin.delete_user(user_id)


@pytest.fixture
def token_of(stack, cli_secret):
    """An access token from Keycloak's token endpoint, as a staff script gets it with curl."""
    def get(username: str) -> str:
        response = requests.post(
            f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": CLI_CLIENT, "client_secret": cli_secret,
                  "username": username, "password": STAFF_PASSWORD}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]
    return get


def upload(stack, token: str, manager_id: str, csv: bytes) -> requests.Response:
    return requests.post(f"{stack.settings.bridge_admin_url}/v1/managers/{manager_id}/payers", data=csv, timeout=30,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})


def new_payer_csv() -> tuple[str, str, bytes]:
    code = str(800000 + secrets.randbelow(199999))
    bill_password = "Bill-" + secrets.token_hex(4)
    return code, bill_password, f"payer_code,bill_password,holder_name\n{code},{bill_password},Nov Plačnik\n".encode()


def test_staff_upload_a_payer_list_and_a_resident_registers_with_it(stack, admin, browser, make_staff, token_of):
    staff = make_staff("/manager-staff/staninvest")
    token = token_of(staff)
    claims = jwt_claims(token)
    assert "payer-admin-api" in (claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]])
    assert "/manager-staff/staninvest" in claims["groups"]

    code, bill_password, csv = new_payer_csv()
    response = upload(stack, token, "staninvest", csv)
    assert response.status_code == 200, response.text
    assert response.json() == {"manager_id": "staninvest", "rows": 1, "inserted": 1, "updated": 0, "unchanged": 0,
                               "encoding": "utf-8"}

    email = f"ana.{uuid.uuid4().hex[:10]}@example.si"
    register(browser, {"firstName": "Ana", "lastName": "Novak", "email": email, "phone_number": "041 123 456",
                       "payerCode": code, "billPassword": bill_password, "managerId": "staninvest",
                       "password": "Sonce-Sije7", "password-confirm": "Sonce-Sije7", "termsAccepted": "on"})
    [user] = users_with_email(admin, email)
    assert user["attributes"]["payer_accounts"] == [f"staninvest:{code}"]

    listed = requests.get(f"{stack.settings.bridge_admin_url}/v1/managers/staninvest/claims", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}, params={"limit": 1000}).json()
    assert {"payer_code": code, "user_id": user["id"]}.items() <= \
        next(c for c in listed["claims"] if c["payer_code"] == code).items()

    audit = json.loads(run_bridge_cli(stack, "audit", "--manager", "staninvest", "--json").stdout)
    entry = next(e for e in audit if e["actor_subject"] == claims["sub"])
    assert (entry["actor"], entry["via"], entry["action"]) == (staff, "api", "import_payers")
    assert entry["details"]["inserted"] == 1
    assert bill_password not in json.dumps(audit)


def test_another_managers_staff_and_users_without_a_group_are_refused(stack, make_staff, token_of):
    code, _, csv = new_payer_csv()
    for group in ("/manager-staff/domovanje", None):
        token = token_of(make_staff(group))
        response = upload(stack, token, "staninvest", csv)
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
    audit = json.loads(run_bridge_cli(stack, "audit", "--manager", "staninvest", "--json").stdout)
    assert all(code not in json.dumps(e) for e in audit)


def test_a_platform_admin_reads_every_managers_claims_and_a_forged_token_is_401(stack, make_staff, token_of):
    token = token_of(make_staff("/platform-admins"))
    for manager_id in ("staninvest", "domovanje"):
        response = requests.get(f"{stack.settings.bridge_admin_url}/v1/managers/{manager_id}/claims", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = upload(stack, tampered, "staninvest", new_payer_csv()[2])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_residents_token_from_another_client_is_not_for_the_admin_api(stack, browser, make_staff):
    """A token of the same user, but issued to another client, lacks the audience: 401, not 403."""
    staff = make_staff("/manager-staff/staninvest")
    tokens = browser.log_in(staff, STAFF_PASSWORD)
    response = upload(stack, tokens["access_token"], "staninvest", new_payer_csv()[2])
    assert response.status_code == 401, response.text
