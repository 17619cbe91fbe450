"""The login and registration pages in the look of the manager a resident came from (Chromium): its name and logo,
its colour (only if readable with white text) and its own terms and privacy links; otherwise eSoseska's."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from devstack.layout import REALM

from .browser_support import TransferMeter, screenshot
from .test_accounts import account, new_browser  # noqa: F401  (fixtures)
from .test_mails import STANINVEST_LOGO, ask_for_a_new_password, manager_logo  # noqa: F401  (fixture)
from .test_resident_page_weight import MOST_PER_PAGE

pytestmark = pytest.mark.integration


def registration_url(stack, portal_client, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return (
        f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/registrations?client_id="
        f"{portal_client['client_id']}&redirect_uri={portal_client['redirect_uri']}&response_type=code"
        f"&scope=openid&{query}"
    )


def button_colours(page: Page) -> tuple[str, str]:
    button = page.get_by_role("button", name="REGISTRACIJA")
    return (
        button.evaluate("b => getComputedStyle(b).backgroundColor"),
        button.evaluate("b => getComputedStyle(b).color"),
    )


def contrast(rgb: str, other: str = "rgb(255, 255, 255)") -> float:
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(rgb), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_a_resident_from_staninvest_sees_its_name_logo_colour_and_terms(
    stack,
    page,
    portal_client,
    manager_logo,  # noqa: F811
):
    page.route(STANINVEST_LOGO, lambda route: route.fulfill(content_type="image/png", body=manager_logo))
    meter = TransferMeter(page)
    page.goto(registration_url(stack, portal_client, manager_hint="staninvest"))
    meter.settle()
    assert meter.total() <= MOST_PER_PAGE, meter.responses()
    header = page.locator("header")
    expect(header).to_contain_text("Staninvest d.o.o.")
    assert header.locator("img").get_attribute("src") == STANINVEST_LOGO
    assert header.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    background, text = button_colours(page)
    assert background == "rgb(31, 95, 139)"  # brandColour #1f5f8b
    assert contrast(background, text) >= 4.5
    terms = page.get_by_role("link", name=re.compile("Splošnimi pogoji", re.I))
    assert terms.get_attribute("href") == "https://www.staninvest.example/splosni-pogoji"
    privacy = page.get_by_role("link", name=re.compile("Pravili zasebnosti", re.I))
    assert privacy.get_attribute("href") == "https://www.staninvest.example/zasebnost"
    screenshot(page, "13-register-staninvest")


def test_without_a_manager_the_pages_are_esoseskas(stack, page, portal_client):
    page.goto(registration_url(stack, portal_client))
    header = page.locator("header")
    expect(header).to_contain_text("eSoseska")
    assert header.locator("img").count() == 0
    background, _ = button_colours(page)
    assert background == "rgb(11, 92, 173)"  # the platform's #0b5cad


def test_a_colour_too_light_for_white_text_is_not_used(stack, page, portal_client, admin):
    alias = f"svetli-{uuid.uuid4().hex[:6]}"
    admin.create_organization(
        {
            "alias": alias,
            "name": "Svetli upravnik d.o.o.",
            "attributes": {"brandColour": ["#ffd700"], "contactEmail": [f"info@{alias}.example"]},
        }
    )
    try:
        page.goto(registration_url(stack, portal_client, manager_hint=alias))
        expect(page.locator("header")).to_contain_text("Svetli upravnik d.o.o.")
        background, text = button_colours(page)
        assert background == "rgb(11, 92, 173)"
        assert contrast(background, text) >= 4.5
    finally:
        for org in admin.get_organizations({"q": f"alias:{alias}"}):
            admin.delete_organization(org["id"])


def test_a_resident_who_came_from_no_portal_sees_their_managers_look_once_known(
    new_browser,  # noqa: F811
    account,  # noqa: F811
    admin,
    mail,
):
    """The login page is eSoseska's (nobody is known yet); the new password page of the reset mail's link is the
    resident's manager's: Keycloak knows who they are by then."""
    browser = new_browser()
    login = browser.open_login()
    assert "Staninvest" not in login.soup.find("header").get_text()
    ask_for_a_new_password(browser, account["email"])
    reset = mail.wait_for(account["email"], "Ponastavitev gesla")
    new_password = browser.follow(mail.links(reset)["Nastavi novo geslo"])
    assert new_password.form("kc-passwd-update-form") is not None
    header = new_password.soup.find("header")
    assert "Staninvest d.o.o." in header.get_text(), header
    assert header.find("img")["src"] == STANINVEST_LOGO


def test_a_resident_of_two_managers_who_came_from_neither_sees_esoseska(
    new_browser,  # noqa: F811
    account,  # noqa: F811
    admin,
    mail,
):
    """No manager is preferred over another: a member of two organizations who came from neither gets the
    platform's look."""
    domovanje = next(org for org in admin.get_organizations({"q": "alias:domovanje"}) if org["alias"] == "domovanje")
    admin.organization_user_add(account["id"], domovanje["id"])
    browser = new_browser()
    ask_for_a_new_password(browser, account["email"])
    reset = mail.wait_for(account["email"], "Ponastavitev gesla")
    new_password = browser.follow(mail.links(reset)["Nastavi novo geslo"])
    header = new_password.soup.find("header")
    assert "eSoseska" in header.get_text() and header.find("img") is None, header
