"""The admin API for payer lists against the real Keycloak: staff get tokens by the device login of client
payer-admin-cli (the script never sees the password; platform admins need an OTP), the bridge checks them against
the realm's published keys."""

from __future__ import annotations

import json
import secrets
import uuid

import pytest
import requests

from devstack.layout import REALM

from .conftest import run_bridge_cli
from .keycloak_pages import jwt_claims
from .payer_codes import new_payer_code
from .staff_device_login import Person, device_login, totp
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration

CLI_CLIENT = "payer-admin-cli"
STAFF_PASSWORD = "Uprava-Geslo7!"


@pytest.fixture(scope="module")
def cli_secret(admin) -> str:
    return admin.get_client_secrets(admin.get_client_id(CLI_CLIENT))["value"]


@pytest.fixture(scope="module", autouse=True)
def quick_device_polling(admin):
    """The scripts poll for their token every 1 s instead of the realm's 5 s (the wait is all a login costs here)."""
    original = admin.get_realm(REALM)["oauth2DevicePollingInterval"]
    admin.update_realm(REALM, {"oauth2DevicePollingInterval": 1})
    yield
    admin.update_realm(REALM, {"oauth2DevicePollingInterval": original})


@pytest.fixture
def make_staff(admin):
    """Creates a Keycloak user (random name) in a group, as an admin would in the console; deleted afterwards."""
    created = []

    def make(group_path: str | None) -> str:
        email = f"staff.{uuid.uuid4().hex[:10]}@example.si"
        user_id = admin.create_user(
            {
                "username": email,
                "email": email,
                "emailVerified": True,
                "enabled": True,
                "firstName": "Mojca",
                "lastName": "Uprava",
                "attributes": {"phone_number": ["041 000 111"]},
                "credentials": [{"type": "password", "value": STAFF_PASSWORD, "temporary": False}],
            }
        )
        created.append(user_id)
        if group_path:
            admin.group_user_add(user_id, admin.get_group_by_path(group_path)["id"])
        return email

    yield make
    for user_id in created:
        admin.delete_user(user_id)


@pytest.fixture
def device_login_of(stack, cli_secret):
    """The person at the browser and the token their script got, by the device login."""

    def login(username: str) -> tuple[Person, dict]:
        person = Person(username, STAFF_PASSWORD)
        tokens, _ = device_login(stack.settings.keycloak_url, REALM, cli_secret, person)
        return person, tokens

    return login


@pytest.fixture
def token_of(device_login_of):
    """An access token as a staff script gets it: `registration-bridge staff-login`'s device login."""

    def get(username: str) -> str:
        return device_login_of(username)[1]["access_token"]

    return get


def upload(stack, token: str, manager_id: str, csv: bytes) -> requests.Response:
    return requests.post(
        f"{stack.settings.bridge_admin_url}/v1/managers/{manager_id}/payers",
        data=csv,
        timeout=30,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )


def new_payer_csv() -> tuple[str, str, bytes]:
    code = new_payer_code(800000, 999999)
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
    assert response.json() == {
        "manager_id": "staninvest",
        "rows": 1,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "encoding": "utf-8",
    }

    email = f"ana.{uuid.uuid4().hex[:10]}@example.si"
    register(
        browser,
        {
            "firstName": "Ana",
            "lastName": "Novak",
            "email": email,
            "phone_number": "041 123 456",
            "payerCode": code,
            "billPassword": bill_password,
            "managerId": "staninvest",
            "password": "Sonce-Sije7",
            "password-confirm": "Sonce-Sije7",
            "termsAccepted": "on",
        },
    )
    [user] = users_with_email(admin, email)
    assert user["attributes"]["payer_accounts"] == [f"staninvest:{code}"]

    listed = requests.get(
        f"{stack.settings.bridge_admin_url}/v1/managers/staninvest/claims",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        params={"limit": 1000},
    ).json()
    assert {"payer_code": code, "user_id": user["id"]}.items() <= next(
        c for c in listed["claims"] if c["payer_code"] == code
    ).items()

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
        response = requests.get(
            f"{stack.settings.bridge_admin_url}/v1/managers/{manager_id}/claims",
            timeout=10,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = upload(stack, tampered, "staninvest", new_payer_csv()[2])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_residents_token_from_another_client_is_not_for_the_admin_api(stack, browser, make_staff):
    """A token of the same user, but issued to another client, lacks the audience: 401, not 403."""
    staff = make_staff("/manager-staff/staninvest")
    page = browser.submit(browser.open_login(), "kc-form-login", {"username": staff, "password": STAFF_PASSWORD})
    secret = page.soup.find("input", attrs={"name": "totpSecret"})["value"]  # staff set up their OTP first
    page = browser.submit(page, "kc-totp-settings-form", {"totp": totp(secret), "userLabel": "staff phone"})
    tokens = browser.exchange(browser.code_from(page))
    response = upload(stack, tokens["access_token"], "staninvest", new_payer_csv()[2])
    assert response.status_code == 401, response.text


def test_the_password_grant_of_the_staff_client_is_refused(stack, make_staff, cli_secret):
    """Attack: a script holding a staff member's password asks the token endpoint directly."""
    staff = make_staff("/manager-staff/staninvest")
    response = requests.post(
        f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/token",
        timeout=10,
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT,
            "client_secret": cli_secret,
            "username": staff,
            "password": STAFF_PASSWORD,
        },
    )
    assert response.status_code in (400, 401), response.text
    assert "access_token" not in response.json()
    assert response.json()["error"] in ("unauthorized_client", "invalid_client", "invalid_grant")


def test_manager_staff_set_up_an_otp_at_their_first_device_login_and_upload(stack, make_staff, device_login_of):
    """Staff run a manager's registry (the desk, the admin API): like platform admins, they need an OTP."""
    staff = make_staff("/manager-staff/staninvest")
    person, tokens = device_login_of(staff)
    assert person.seen[:2] == ["login", "configure-otp"] and person.otp_secret, person.seen
    assert upload(stack, tokens["access_token"], "staninvest", new_payer_csv()[2]).status_code == 200


def test_a_platform_admin_without_an_otp_must_configure_one_and_then_always_enter_it(
    stack, admin, make_staff, device_login_of
):
    email = make_staff("/platform-admins")
    person, tokens = device_login_of(email)
    assert "configure-otp" in person.seen and person.otp_secret, person.seen
    [user] = admin.get_users({"email": email, "exact": True})
    assert [c["type"] for c in admin.get_credentials(user["id"])].count("otp") == 1
    assert jwt_claims(tokens["access_token"])["preferred_username"] == email
    # the code of the next period (the realm accepts one period either side): Keycloak refuses a code used once
    again = Person(email, STAFF_PASSWORD, otp_secret=person.otp_secret, otp_offset=30)
    device_login(
        stack.settings.keycloak_url, REALM, admin.get_client_secrets(admin.get_client_id(CLI_CLIENT))["value"], again
    )
    assert again.seen[:2] == ["login", "otp"], again.seen


# --- the same staff in Keycloak's admin REST API: their organization's members, nobody else's --------------------


def keycloak_admin_api(stack, token: str, path: str, method: str = "GET", **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{stack.settings.keycloak_url}/admin/realms/{REALM}/{path}",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        **kwargs,
    )


def organization_id(admin, alias: str) -> str:
    [org] = admin.get_organizations({"q": f"alias:{alias}"})
    return org["id"]


@pytest.fixture
def make_member(admin, make_staff):
    """A resident added to a manager's organization, as the registration (or the console's "Add member") does."""

    def make(alias: str) -> dict:
        email = make_staff(None)  # a plain user, deleted afterwards
        [user] = users_with_email(admin, email)
        admin.organization_user_add(user["id"], organization_id(admin, alias))
        return user

    return make


def test_staff_see_their_organizations_members_in_keycloak_and_nothing_of_another_manager(
    stack, admin, make_staff, make_member, token_of
):
    staninvest, domovanje = organization_id(admin, "staninvest"), organization_id(admin, "domovanje")
    resident = make_member("staninvest")
    neighbour = make_member("domovanje")
    token = token_of(make_staff("/manager-staff/staninvest"))

    members = keycloak_admin_api(stack, token, f"organizations/{staninvest}/members", params={"max": 1000})
    assert members.status_code == 200, members.text
    assert resident["id"] in {m["id"] for m in members.json()}
    assert neighbour["id"] not in {m["id"] for m in members.json()}
    assert keycloak_admin_api(stack, token, f"organizations/{staninvest}/members/count").status_code == 200
    assert [o["alias"] for o in keycloak_admin_api(stack, token, "organizations").json()] == ["staninvest"]

    for path in (
        f"organizations/{domovanje}",
        f"organizations/{domovanje}/members",
        f"users/{neighbour['id']}",
        "groups",
        "clients",
    ):
        assert keycloak_admin_api(stack, token, path).status_code == 403, path
    users = keycloak_admin_api(stack, token, "users", params={"max": 1000})
    assert neighbour["id"] not in {u["id"] for u in users.json()}
    # other realms: nothing
    assert requests.get(
        f"{stack.settings.keycloak_url}/admin/realms/master/users",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    ).status_code in (401, 403)


def test_staff_may_not_change_their_organization_or_its_members(stack, admin, make_staff, make_member, token_of):
    staninvest = organization_id(admin, "staninvest")
    resident = make_member("staninvest")
    token = token_of(make_staff("/manager-staff/staninvest"))
    org = keycloak_admin_api(stack, token, f"organizations/{staninvest}").json()

    changes = (
        ("PUT", f"organizations/{staninvest}", {"json": {**org, "name": "Prevzeto d.o.o."}}),
        ("DELETE", f"organizations/{staninvest}/members/{resident['id']}", {}),
        ("POST", f"organizations/{staninvest}/members", {"json": resident["id"]}),
        ("PUT", f"users/{resident['id']}", {"json": {"firstName": "Spremenjeno"}}),
        ("POST", "users", {"json": {"username": f"x{uuid.uuid4().hex[:8]}@example.si"}}),
        ("POST", "organizations", {"json": {"name": "Nova d.o.o.", "alias": "nova"}}),
    )
    for method, path, body in changes:
        response = keycloak_admin_api(stack, token, path, method=method, **body)
        assert response.status_code == 403, (method, path, response.status_code, response.text)
    assert admin.get_organization(staninvest)["name"] == "Staninvest d.o.o."
    assert resident["id"] in {m["id"] for m in admin.get_organization_members(staninvest, {"max": 1000})}


def test_the_same_staff_token_works_in_keycloak_and_in_the_bridges_admin_api(stack, admin, make_staff, token_of):
    token = token_of(make_staff("/manager-staff/domovanje"))
    domovanje, staninvest = organization_id(admin, "domovanje"), organization_id(admin, "staninvest")
    assert keycloak_admin_api(stack, token, f"organizations/{domovanje}/members").status_code == 200
    assert keycloak_admin_api(stack, token, f"organizations/{staninvest}/members").status_code == 403
    for manager_id, status in (("domovanje", 200), ("staninvest", 403)):
        response = requests.get(
            f"{stack.settings.bridge_admin_url}/v1/managers/{manager_id}/claims",
            timeout=10,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == status, response.text


def test_the_staff_permissions_step_is_idempotent_and_covers_a_new_manager(
    stack, admin, make_staff, make_member, token_of
):
    """The operator's command, run again (the stack ran it at start), changes nothing; a manager added later gets
    its staff group and permissions on the next run."""
    env = {"KEYCLOAK_ADMIN_USER": "admin", "KEYCLOAK_ADMIN_PASSWORD": "admin"}
    again = run_bridge_cli_env(stack, env, "staff-permissions")
    assert again.returncode == 0, again.stderr
    assert sorted(again.stdout.splitlines()) == ["domovanje: already set up", "staninvest: already set up"]

    # without the step's permission on the members, staff see none of them; the step puts it back
    staninvest = organization_id(admin, "staninvest")
    resident = make_member("staninvest")
    token = token_of(make_staff("/manager-staff/staninvest"))
    members = f"organizations/{staninvest}/members"
    server = f"clients/{admin.get_client_id('admin-permissions')}/authz/resource-server"
    permission = admin.connection.raw_get(
        f"admin/realms/{REALM}/{server}/permission/search", name="staninvest-members"
    ).json()
    admin.connection.raw_delete(f"admin/realms/{REALM}/{server}/permission/{permission['id']}")
    assert resident["id"] not in {m["id"] for m in keycloak_admin_api(stack, token, members).json()}
    repaired = run_bridge_cli_env(stack, env, "staff-permissions", "--manager", "staninvest")
    assert repaired.stdout.strip() == "staninvest: set up", repaired.stderr
    assert resident["id"] in {m["id"] for m in keycloak_admin_api(stack, token, members, params={"max": 1000}).json()}

    alias = f"upravnik-{uuid.uuid4().hex[:6]}"
    org_id = admin.create_organization({"name": f"Upravnik {alias}", "alias": alias})
    try:
        resident_email = make_staff(None)
        [resident] = users_with_email(admin, resident_email)
        admin.organization_user_add(resident["id"], org_id)
        staff = make_staff(None)  # the staff group does not exist yet
        added = run_bridge_cli_env(stack, env, "staff-permissions", "--manager", alias)
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == f"{alias}: set up"
        [staff_user] = users_with_email(admin, staff)
        admin.group_user_add(staff_user["id"], admin.get_group_by_path(f"/manager-staff/{alias}")["id"])
        token = token_of(staff)
        members = keycloak_admin_api(stack, token, f"organizations/{org_id}/members")
        assert [m["id"] for m in members.json()] == [resident["id"]], members.text
        unknown = run_bridge_cli_env(stack, env, "staff-permissions", "--manager", "ni-takega")
        assert unknown.returncode != 0 and "ni-takega" in unknown.stderr
    finally:
        admin.delete_organization(org_id)
        server = f"admin/realms/{REALM}/clients/{admin.get_client_id('admin-permissions')}/authz/resource-server"
        for kind, name in (
            ("permission", f"{alias}-organization"),
            ("permission", f"{alias}-members"),
            ("policy", f"manager-staff-{alias}"),
        ):
            found = admin.connection.raw_get(f"{server}/{kind}/search", name=name)
            if found.status_code == 200 and found.content:
                admin.connection.raw_delete(f"{server}/{kind}/{found.json()['id']}")
        for group in admin.get_groups({"search": alias}):
            for child in group.get("subGroups") or []:
                if child["path"] == f"/manager-staff/{alias}":
                    admin.delete_group(child["id"])


def run_bridge_cli_env(stack, env: dict[str, str], *args: str):
    import os
    import subprocess

    from devstack.layout import VENV_BIN

    return subprocess.run(
        [str(VENV_BIN / "registration-bridge"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **stack.settings.bridge_environment(), **env},
        check=False,
    )
