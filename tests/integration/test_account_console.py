"""The account console (theme `esoseska`, keycloak.v3 with one more menu item) in Chromium: "Dodaj upravnika" is in
its menu and leads to the link-manager page; Keycloak's own pages still open from the menu."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from devstack.layout import REALM

from .browser_support import label, screenshot
from .test_accounts import (
    account,  # noqa: F401  (fixture)
    new_browser,  # noqa: F401  (fixture)
)
from .test_resident_pages_browser import account_url, log_in

pytestmark = pytest.mark.integration


def open_console(page: Page, stack, account: dict) -> None:
    page.goto(account_url(stack))
    log_in(page, account["email"], account["password"])
    expect(page.get_by_role("navigation").get_by_role("link", name="Osebni podatki")).to_be_visible(timeout=30000)


def test_add_a_manager_is_in_the_account_console_menu_and_opens_its_page(stack, page, account):  # noqa: F811
    open_console(page, stack, account)
    menu = page.get_by_role("navigation")
    screenshot(page, "12-account-console")
    menu.get_by_role("link", name="Dodaj upravnika").click()

    expect(page.get_by_role("heading", name="Dodaj upravnika")).to_be_visible()
    assert re.search(
        rf"/realms/{REALM}/(protocol/openid-connect/auth\?.*kc_action=link-manager|login-actions/)", page.url
    )
    expect(page.get_by_label(label("Šifra plačnika"))).to_be_visible()
    expect(page.get_by_label(label("Geslo iz položnice"))).to_be_visible()
    # cancelling goes back to the account console (not to the step in between), still signed in
    page.get_by_role("button", name=re.compile("prekliči", re.I)).click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Dodaj upravnika")).to_be_visible(timeout=30000)


@pytest.mark.parametrize(
    ("item", "parent", "shows"),
    [
        ("Osebni podatki", None, "Upravljajte svoje osnovne podatke"),
        ("Prijavljanje", "Varnost računa", "Geslo"),
        ("Aplikacije", None, "Sledite in upravljajte dovoljenja aplikacij za dostop do vašega računa"),
        ("Upravniki", None, "Staninvest d.o.o."),
    ],
)
def test_the_other_menu_items_still_open_their_pages(stack, page, account, item, parent, shows):  # noqa: F811
    open_console(page, stack, account)
    menu = page.get_by_role("navigation")
    if parent:
        menu.get_by_role("button", name=parent).click()
    menu.get_by_role("link", name=item).click()
    expect(page.get_by_role("main").get_by_text(shows, exact=True).first).to_be_visible(timeout=30000)
