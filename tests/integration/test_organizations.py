"""Each manager is a Keycloak Organization: the drop-down lists the enabled ones, a successful payer check makes the
resident a member, and the membership goes with the manager's last payer account (through the real Keycloak)."""

from __future__ import annotations

import uuid

import pytest

from devstack.layout import REALM

from .conftest import run_bridge_cli
from .keycloak_pages import Browserless, jwt_claims
from .test_accounts import add_manager, new_browser  # noqa: F401 (a fixture)
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration

MANAGER_UNKNOWN_SL = "Izbranega upravnika ni na seznamu. Izberite upravnika s seznama."


@pytest.fixture
def organization(stack, admin) -> dict:
    """A new manager (random per test): an organization made through the admin REST API, and the bridge's row."""
    alias = f"upr{uuid.uuid4().hex[:10]}"
    name = f"Upravnik {alias[3:]} d.o.o."
    org_id = admin.create_organization(
        {"name": name, "alias": alias, "enabled": True, "attributes": {"contactEmail": [f"uprava@{alias}.example"]}}
    )
    result = run_bridge_cli(stack, "add-manager", alias, "--name", name, "--contact-email", f"uprava@{alias}.example")
    assert result.returncode == 0, result.stderr
    yield {"id": org_id, "alias": alias, "name": name}
    admin.delete_organization(org_id)


def manager_options(browser: Browserless) -> dict[str, str]:
    page = browser.open_registration()
    return {o["value"]: o.get_text(strip=True) for o in page.soup.select("select#managerId option") if o["value"]}


def member_ids(admin, org_id: str) -> set[str]:
    return {m["id"] for m in admin.get_organization_members(org_id, {"max": 1000})}


def staninvest_id(admin) -> str:
    [org] = admin.get_organizations({"q": "alias:staninvest"})
    return org["id"]


def verified(admin, email: str) -> dict:
    [user] = users_with_email(admin, email)
    admin.update_user(user["id"], {**admin.get_user(user["id"]), "emailVerified": True})
    return user


def disable(admin, org_id: str) -> None:
    org = admin.get_organization(org_id)
    admin.update_organization(org_id, {**org, "enabled": False})


def test_a_new_organization_is_offered_and_a_resident_registering_with_it_becomes_a_member(
    browser, admin, organization, make_payer, resident
):
    assert manager_options(browser)[organization["alias"]] == organization["name"]
    payer = make_payer(organization["alias"])
    values = dict(
        resident, managerId=organization["alias"], payerCode=payer["code"], billPassword=payer["bill_password"]
    )
    page = register(browser, values)
    assert values["email"] in page.text, page.text[:1000]

    [user] = users_with_email(admin, values["email"])
    assert user["attributes"]["managers"] == [organization["alias"]]
    [member] = admin.get_organization_members(organization["id"])
    assert member["id"] == user["id"]
    assert member["membershipType"] == "UNMANAGED"  # leaving the organization never deletes the resident
    assert [o["alias"] for o in admin.get_user_organizations(user["id"])] == [organization["alias"]]


def test_a_disabled_organization_is_not_offered_and_a_registration_naming_it_is_refused(
    stack, browser, admin, organization, make_payer, resident
):
    payer = make_payer(organization["alias"])
    disable(admin, organization["id"])
    options = manager_options(browser)
    assert organization["alias"] not in options and "staninvest" in options

    values = dict(
        resident, managerId=organization["alias"], payerCode=payer["code"], billPassword=payer["bill_password"]
    )
    page = register(browser, values)
    assert MANAGER_UNKNOWN_SL in (page.field_error("managerId") or ""), page.field_errors()
    assert users_with_email(admin, values["email"]) == []
    assert member_ids(admin, organization["id"]) == set()
    claims = run_bridge_cli(stack, "claims", "--json").stdout
    assert payer["code"] not in claims  # refused before the bridge was asked


def test_the_login_page_asks_for_e_mail_and_password_together(browser):
    """With organizations in the realm, Keycloak's Organization step would ask for the e-mail alone first."""
    form = browser.open_login().form("kc-form-login")
    assert form.find("input", attrs={"name": "username"}) is not None
    assert form.find("input", attrs={"name": "password"}) is not None


def test_dodaj_upravnika_adds_the_membership_and_the_last_payer_account_going_ends_it(
    new_browser, admin, organization, make_payer, resident, payer
):
    register(new_browser(), resident)
    user = verified(admin, resident["email"])
    assert user["id"] in member_ids(admin, staninvest_id(admin))
    second = make_payer(organization["alias"])
    _form, done = add_manager(
        new_browser(),
        resident["email"],
        resident["password"],
        {"managerId": organization["alias"], "payerCode": second["code"], "billPassword": second["bill_password"]},
    )
    assert "kc_action_status=success" in done.response.headers.get("Location", ""), done.text[:1500]
    assert member_ids(admin, organization["id"]) == {user["id"]}

    # an admin removes the payer account of the new manager: that membership goes, Staninvest's stays
    kept = [f"staninvest:{payer['code']}"]
    current = admin.get_user(user["id"])
    current["attributes"]["payer_accounts"] = kept
    admin.update_user(user["id"], current)
    assert member_ids(admin, organization["id"]) == set()
    assert user["id"] in member_ids(admin, staninvest_id(admin))
    assert admin.get_user(user["id"])["attributes"]["managers"] == ["staninvest"]

    admin.delete_user(user["id"])
    assert user["id"] not in member_ids(admin, staninvest_id(admin))


def test_dodaj_upravnika_refuses_a_disabled_organization(new_browser, admin, organization, make_payer, resident):
    register(new_browser(), resident)
    user = verified(admin, resident["email"])
    second = make_payer(organization["alias"])
    disable(admin, organization["id"])
    form, page = add_manager(
        new_browser(),
        resident["email"],
        resident["password"],
        {"managerId": organization["alias"], "payerCode": second["code"], "billPassword": second["bill_password"]},
    )
    assert organization["name"] not in form.text
    assert MANAGER_UNKNOWN_SL in page.text, page.text[:1500]
    assert member_ids(admin, organization["id"]) == set()
    assert admin.get_user(user["id"])["attributes"]["payer_accounts"] == [f"staninvest:{resident['payerCode']}"]


def test_the_organization_claim_is_in_the_token_when_the_app_asks_for_it(stack, browser, admin, resident):
    register(browser, resident)
    verified(admin, resident["email"])
    # the reference portal's client, as an app developer would use it
    portal = Browserless(
        stack.settings.keycloak_url,
        REALM,
        "portal-demo",
        f"{stack.settings.portal_url}/callback",
        client_secret="dev-only-portal-demo-secret",
    )
    login = portal.open_login(scope="openid organization:*")
    tokens = portal.exchange(
        portal.code_from(
            portal.submit(login, "kc-form-login", {"username": resident["email"], "password": resident["password"]})
        )
    )
    assert jwt_claims(tokens["access_token"])["organization"] == ["staninvest"]
    assert jwt_claims(tokens["id_token"])["organization"] == ["staninvest"]

    plain = Browserless(
        stack.settings.keycloak_url,
        REALM,
        "portal-demo",
        f"{stack.settings.portal_url}/callback",
        client_secret="dev-only-portal-demo-secret",
    ).log_in(resident["email"], resident["password"])
    assert "organization" not in jwt_claims(plain["access_token"])  # only for apps that ask
    assert jwt_claims(plain["id_token"])["managers"] == ["staninvest"]
