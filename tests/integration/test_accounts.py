"""Accounts with several managers, one session per account, the claim lifecycle, and a downstream app."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from .browser_support import label, screenshot, serious_accessibility_violations
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless, jwt_claims
from .test_registration import NOT_VERIFIED_SL, register, users_with_email

pytestmark = pytest.mark.integration


@pytest.fixture
def new_browser(browser):
    def make() -> Browserless:
        return Browserless(
            browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
        )

    return make


@pytest.fixture
def account(new_browser, admin, resident, payer) -> dict:
    """A registered resident of Staninvest whose e-mail is verified (so they can log in)."""
    register(new_browser(), resident)
    [user] = users_with_email(admin, resident["email"])
    admin.update_user(user["id"], {**admin.get_user(user["id"]), "emailVerified": True})
    return {**resident, "id": user["id"], "payer": payer}


def claims_of(stack, user_id: str) -> list[str]:
    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    return sorted(f"{c['manager_id']}:{c['payer_code']}" for c in claims if c["keycloak_user_id"] == user_id)


def add_manager(browser: Browserless, email: str, password: str, values: dict):
    """Log in with kc_action=link-manager and submit the "Dodaj upravnika" form; the page after it."""
    login = browser.open_login(kc_action="link-manager")
    form = browser.submit(login, "kc-form-login", {"username": email, "password": password})
    assert form.soup.find("form", id="kc-link-manager-form"), form.text[:1500]
    return form, browser.submit(form, "kc-link-manager-form", values)


def test_a_second_manager_is_added_with_the_same_proof_and_lands_in_the_next_tokens(
    stack, new_browser, account, make_payer, admin
):
    second = make_payer("domovanje")
    browser = new_browser()
    form, done = add_manager(
        browser,
        account["email"],
        account["password"],
        {"managerId": "domovanje", "payerCode": second["code"], "billPassword": second["bill_password"]},
    )
    assert "Dodaj upravnika" in form.text
    assert "kc_action_status=success" in done.response.headers["Location"]
    id_token = jwt_claims(browser.exchange(browser.code_from(done))["id_token"])
    assert sorted(id_token["managers"]) == ["domovanje", "staninvest"]
    assert sorted(id_token["payer_accounts"]) == sorted(
        [f"staninvest:{account['payer']['code']}", f"domovanje:{second['code']}"]
    )
    assert claims_of(stack, account["id"]) == sorted(
        [f"staninvest:{account['payer']['code']}", f"domovanje:{second['code']}"]
    )


def test_adding_a_payer_already_on_this_account_says_so_plainly(new_browser, account):
    _form, page = add_manager(
        new_browser(),
        account["email"],
        account["password"],
        {
            "managerId": "staninvest",
            "payerCode": account["payer"]["code"],
            "billPassword": account["payer"]["bill_password"],
        },
    )
    assert "Ta plačnik je že povezan z vašim računom" in (page.field_error("payerCode") or "")


def test_a_payer_of_another_account_can_not_be_added(stack, new_browser, account, admin, make_payer):
    other_payer = make_payer("staninvest")
    other = dict(
        account,
        email=f"drugi.{uuid.uuid4().hex[:8]}@example.si",
        payerCode=other_payer["code"],
        billPassword=other_payer["bill_password"],
    )
    register(new_browser(), other)
    [other_user] = users_with_email(admin, other["email"])
    admin.update_user(other_user["id"], {**admin.get_user(other_user["id"]), "emailVerified": True})

    _form, page = add_manager(
        new_browser(),
        other["email"],
        other["password"],
        {
            "managerId": "staninvest",
            "payerCode": account["payer"]["code"],
            "billPassword": account["payer"]["bill_password"],
        },
    )
    assert NOT_VERIFIED_SL in (page.field_error("billPassword") or "")
    assert claims_of(stack, other_user["id"]) == [f"staninvest:{other_payer['code']}"]
    assert admin.get_user(other_user["id"])["attributes"]["payer_accounts"] == [f"staninvest:{other_payer['code']}"]


def test_cancel_returns_to_the_app_with_cancelled(new_browser, account):
    browser = new_browser()
    login = browser.open_login(kc_action="link-manager")
    form = browser.submit(login, "kc-form-login", {"username": account["email"], "password": account["password"]})
    back = browser.submit(form, "kc-link-manager-form", {"cancel-aia": "true"})
    assert "kc_action_status=cancelled" in back.response.headers["Location"]


def test_a_second_login_ends_the_first_session(stack, new_browser, account, admin):
    first = new_browser()
    first_tokens = first.log_in(account["email"], account["password"])
    second = new_browser()
    second.log_in(account["email"], account["password"])

    refreshed = requests.post(
        f"{first.oidc}/token",
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first_tokens["refresh_token"],
            "client_id": first.client_id,
            "client_secret": first.client_secret,
        },
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert len(admin.get_sessions(account["id"])) == 1
    # and the first browser is asked to log in again
    assert first.open_login().soup.find("form", id="kc-form-login") is not None


def test_deleting_a_user_releases_their_payer_for_a_new_registration(stack, new_browser, account, admin):
    assert claims_of(stack, account["id"]) == [f"staninvest:{account['payer']['code']}"]
    admin.delete_user(account["id"])
    assert claims_of(stack, account["id"]) == []
    again = dict(account, email=f"ponovno.{uuid.uuid4().hex[:8]}@example.si")
    register(new_browser(), again)
    assert len(users_with_email(admin, again["email"])) == 1


def test_an_admin_removing_a_payer_account_releases_it_and_managers_follow(stack, account, admin):
    user = admin.get_user(account["id"])
    user["attributes"]["payer_accounts"] = []
    admin.update_user(account["id"], user)
    assert claims_of(stack, account["id"]) == []
    assert admin.get_user(account["id"])["attributes"].get("managers", []) == []


def test_reconcile_repairs_drift_both_ways(stack, account, admin, make_payer):
    # drift 1: a user deleted while the bridge was down keeps a claim
    stack.bridge.stop()
    try:
        admin.delete_user(account["id"])
    finally:
        stack.bridge.start().wait_ready()
    assert claims_of(stack, account["id"]) == [f"staninvest:{account['payer']['code']}"]
    # drift 2: an admin links a payer account by hand, without a claim
    linked = make_payer("domovanje")
    email = f"rocno.{uuid.uuid4().hex[:8]}@example.si"
    user_id = admin.create_user(
        {
            "username": email,
            "email": email,
            "enabled": True,
            "firstName": "Roč",
            "lastName": "No",
            "attributes": {
                "phone_number": ["041 000 000"],
                "payer_accounts": [f"domovanje:{linked['code']}"],
                "managers": [],
            },
        }
    )
    assert claims_of(stack, user_id) == []

    result = run_bridge_cli(stack, "reconcile", "--grace-minutes", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"released  user {account['id']}: staninvest:{account['payer']['code']}" in result.stdout
    assert f"claimed   user {user_id}: domovanje:{linked['code']}" in result.stdout
    assert f"aligned   user {user_id}: managers [] → ['domovanje']" in result.stdout
    assert claims_of(stack, account["id"]) == []
    assert claims_of(stack, user_id) == [f"domovanje:{linked['code']}"]
    assert admin.get_user(user_id)["attributes"]["managers"] == ["domovanje"]
    # a second run finds nothing left to do
    again = run_bridge_cli(stack, "reconcile", "--grace-minutes", "0")
    assert f"user {user_id}" not in again.stdout and f"user {account['id']}" not in again.stdout


def test_the_reference_portal_logs_in_shows_the_links_and_logs_out(stack, page, account):
    page.goto(stack.settings.portal_url)
    page.get_by_role("link", name="Prijava").click()
    page.get_by_label(label("E-naslov")).fill(account["email"])
    page.get_by_label(label("Geslo")).fill(account["password"])
    page.get_by_role("button", name="PRIJAVA").click()
    expect(page.locator("#user-name")).to_have_text(re.compile(r"Ana\s+Novak"))
    expect(page.locator("#managers")).to_have_text("staninvest")
    expect(page.locator("#payer-accounts")).to_have_text(f"staninvest:{account['payer']['code']}")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "12-portal")
    page.get_by_role("link", name="Odjava").click()
    expect(page.get_by_role("link", name="Prijava")).to_be_visible()
    # the Keycloak session is gone too: logging in again asks for the password
    page.get_by_role("link", name="Prijava").click()
    expect(page.get_by_role("button", name="PRIJAVA")).to_be_visible()


@pytest.fixture
def another_registration_flow(admin):
    """The realm's registration bound to a flow of its own, without the payer check; the binding restored after."""
    from devstack.layout import REALM

    original = admin.get_realm(REALM)["registrationFlow"]
    alias = f"other-registration-{uuid.uuid4().hex[:6]}"
    admin.create_authentication_flow(
        {"alias": alias, "providerId": "basic-flow", "topLevel": True, "builtIn": False, "description": "test"}
    )
    admin.update_realm(REALM, {"registrationFlow": alias})
    try:
        yield alias
    finally:
        admin.update_realm(REALM, {"registrationFlow": original})
        [flow] = [f for f in admin.get_authentication_flows() if f["alias"] == alias]
        admin.delete_authentication_flow(flow["id"])


def test_with_another_registration_flow_bound_adding_a_manager_and_claim_sync_still_reach_the_bridge(
    stack, new_browser, account, make_payer, admin, another_registration_flow
):
    """The bridge settings are the server's (esoseska-bridge SPI and the vault), not the registration flow's: with
    a flow bound that has no payer check, "Dodaj upravnika" still verifies and claims with the signed calls, and
    deleting the user still releases every claim at the bridge (before, both fell back to localhost:8000 without a
    secret and failed)."""
    second = make_payer("domovanje")
    _, done = add_manager(
        new_browser(),
        account["email"],
        account["password"],
        {"managerId": "domovanje", "payerCode": second["code"], "billPassword": second["bill_password"]},
    )
    assert "kc_action_status=success" in done.response.headers.get("Location", ""), done.text[:1500]
    assert claims_of(stack, account["id"]) == sorted(
        [f"staninvest:{account['payer']['code']}", f"domovanje:{second['code']}"]
    )
    admin.delete_user(account["id"])
    assert claims_of(stack, account["id"]) == []
