"""The resident's pages in a real browser (Playwright + Debian's Chromium), by their visible Slovenian labels."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from devstack.layout import REALM

from .browser_support import horizontal_overflow, label, screenshot, serious_accessibility_violations
from .test_registration import users_with_email

pytestmark = pytest.mark.integration

PASSWORD = "Sonce-Sije7"
NEW_PASSWORD = "Nova-Luna88"


def account_url(stack) -> str:
    return f"{stack.settings.keycloak_url}/realms/{REALM}/account"


def fill_registration(page: Page, values: dict) -> None:
    page.get_by_label(label("Ime")).fill(values["firstName"])
    page.get_by_label(label("Priimek")).fill(values["lastName"])
    page.get_by_label(label("E-naslov")).fill(values["email"])
    page.get_by_label(label("Telefonska številka")).fill(values["phone_number"])
    page.get_by_label(label("Šifra plačnika")).fill(values["payerCode"])
    page.get_by_label(label("Geslo iz položnice")).fill(values["billPassword"])
    if page.locator("select#managerId").count():
        page.get_by_label(label("Upravnik")).select_option(values["managerId"])
    page.get_by_label(label("Geslo")).fill(values["password"])
    page.get_by_label(label("Ponovno geslo")).fill(values["password-confirm"])
    if values.get("termsAccepted"):
        page.get_by_label(re.compile("^Strinjam se s Splošnimi pogoji poslovanja")).check()


def open_registration_from_the_portal(page: Page, stack) -> None:
    page.goto(account_url(stack))
    expect(page.get_by_role("button", name="PRIJAVA")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Registracija").click()
    expect(page.get_by_role("heading", name="Registracija")).to_be_visible()


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label(label("E-naslov")).fill(email)
    page.get_by_label(label("Geslo")).fill(password)
    page.get_by_role("button", name="PRIJAVA").click()


def log_out(page: Page, stack) -> None:
    page.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/logout")
    page.get_by_role("button", name="Odjava").click()


def assert_accessible(page: Page) -> None:
    assert serious_accessibility_violations(page) == []


def test_the_whole_journey_of_a_resident(stack, page, new_page, mail, admin, resident, payer):
    values = dict(resident, phone_number="+386 41 123 456")

    # register, from the login page of the portal, by the visible labels
    open_registration_from_the_portal(page, stack)
    assert_accessible(page)
    screenshot(page, "01-register")
    fill_registration(page, values)
    page.get_by_role("button", name="REGISTRACIJA").click()

    # "check your e-mail (and spam)"
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible()
    expect(page.get_by_text(values["email"])).to_be_visible()
    expect(page.get_by_text("neželeno pošto")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "03-check-email")

    # the e-mail with "Aktiviraj račun", opened as from a mail program: a new browser
    activation = mail.wait_for(values["email"], "Potrdite svoj račun eSoseska")
    link = mail.links(activation)["Aktiviraj račun"]
    from_mail = new_page()
    from_mail.goto(link)
    expect(from_mail.get_by_role("heading", name="Aktivacija računa")).to_be_visible()
    screenshot(from_mail, "04-activate")
    from_mail.get_by_role("link", name="Aktiviraj račun").click()
    expect(from_mail.get_by_role("heading", name="Aktivacija računa uspešna")).to_be_visible()
    assert_accessible(from_mail)
    screenshot(from_mail, "05-activated")

    # the second e-mail, only after the activation committed
    activated_mail = mail.wait_for(values["email"], "Vaš račun eSoseska je aktiviran")
    assert "Prijava v račun" in mail.links(activated_mail)

    # "Prijava v račun" → log in → the portal
    from_mail.get_by_role("link", name="Prijava v račun").click()
    expect(from_mail.get_by_role("button", name="PRIJAVA")).to_be_visible()
    assert_accessible(from_mail)
    screenshot(from_mail, "06-login")
    log_in(from_mail, values["email"], values["password"])
    from_mail.wait_for_url(re.compile(rf"/realms/{REALM}/account"))
    [user] = users_with_email(admin, values["email"])
    assert user["emailVerified"] and user["attributes"]["phone_number"] == ["041 123 456"]
    assert user["attributes"]["terms_accepted_at"][0].endswith("Z")

    # log out
    log_out(from_mail, stack)
    from_mail.goto(account_url(stack))
    expect(from_mail.get_by_role("button", name="PRIJAVA")).to_be_visible()

    # forgot password → e-mail → new password → logged in
    from_mail.get_by_role("link", name="Ste pozabili geslo?").click()
    expect(from_mail.get_by_role("heading", name="Ste pozabili geslo?")).to_be_visible()
    assert_accessible(from_mail)
    screenshot(from_mail, "07-forgot-password")
    from_mail.get_by_label(label("E-naslov")).fill(values["email"])
    from_mail.get_by_role("button", name="Pošlji").click()
    expect(from_mail.get_by_text("poslali navodila za novo geslo")).to_be_visible()
    reset = mail.wait_for(values["email"], "Ponastavitev gesla")
    from_mail.goto(mail.links(reset)["Nastavi novo geslo"])
    expect(from_mail.get_by_role("heading", name="Novo geslo")).to_be_visible()
    screenshot(from_mail, "08-new-password")
    from_mail.get_by_label(label("Novo geslo")).fill(NEW_PASSWORD)
    from_mail.get_by_label(label("Ponovno geslo")).fill(NEW_PASSWORD)
    from_mail.get_by_role("button", name=re.compile("Pošlji|Potrdi", re.I)).click()
    from_mail.wait_for_url(re.compile(rf"/realms/{REALM}/account"))

    # and the new password is the one that works now
    log_out(from_mail, stack)
    from_mail.goto(account_url(stack))
    log_in(from_mail, values["email"], NEW_PASSWORD)
    from_mail.wait_for_url(re.compile(rf"/realms/{REALM}/account"))


def test_field_errors_are_shown_and_announced_at_their_fields_and_values_are_kept(stack, page, admin, resident):
    values = dict(resident, phone_number="041-12", termsAccepted=None)
    open_registration_from_the_portal(page, stack)
    fill_registration(page, values)
    page.get_by_role("button", name="REGISTRACIJA").click()

    phone = page.get_by_label(label("Telefonska številka"))
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#input-error-phone_number")).to_contain_text("XXX XXX XXX")
    assert "input-error-phone_number" in phone.get_attribute("aria-describedby")
    expect(page.locator("#input-error-termsAccepted")).to_contain_text("Splošnimi pogoji")
    expect(page.get_by_label(label("Ime"))).to_have_value(values["firstName"])
    expect(page.get_by_label(label("E-naslov"))).to_have_value(values["email"])
    expect(page.get_by_label(label("Šifra plačnika"))).to_have_value(values["payerCode"])
    expect(page.get_by_label(label("Upravnik"))).to_have_value(values["managerId"])
    expect(page.get_by_label(label("Geslo iz položnice"))).to_have_value("")
    assert_accessible(page)
    screenshot(page, "02-register-errors")
    assert users_with_email(admin, values["email"]) == []


def test_help_explains_where_the_payer_code_is_on_the_bill(stack, page):
    open_registration_from_the_portal(page, stack)
    help_text = page.locator("#payerCode-help")
    expect(help_text).to_be_hidden()
    page.get_by_role("button", name="Pomoč: Šifra plačnika").click()
    expect(help_text).to_be_visible()
    expect(help_text.get_by_role("img")).to_be_visible()
    expect(page.get_by_role("button", name="Pomoč: Šifra plačnika")).to_have_attribute("aria-expanded", "true")


def tab_to(page: Page, target, most: int = 6) -> None:
    """Press Tab until the target has the focus, as a keyboard user would (at most `most` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} not reachable with {most} presses of Tab")


def test_keyboard_only_registration(stack, page, resident, admin):
    open_registration_from_the_portal(page, stack)
    page.get_by_label(label("Ime")).focus()
    page.keyboard.type(resident["firstName"])
    for field, value in (
        ("Priimek", resident["lastName"]),
        ("E-naslov", resident["email"]),
        ("Telefonska številka", "041123456"),
        ("Šifra plačnika", resident["payerCode"]),
        ("Geslo iz položnice", resident["billPassword"]),
    ):
        tab_to(page, page.get_by_label(label(field)))
        page.keyboard.type(value)
    manager = page.get_by_label(label("Upravnik"))
    tab_to(page, manager)
    while manager.input_value() != resident["managerId"]:
        page.keyboard.press("ArrowDown")
    for field in ("Geslo", "Ponovno geslo"):
        tab_to(page, page.get_by_label(label(field)))
        page.keyboard.type(resident["password"])
    tab_to(page, page.get_by_label(re.compile("^Strinjam se")))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="REGISTRACIJA"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible()
    assert users_with_email(admin, resident["email"])[0]["attributes"]["phone_number"] == ["041 123 456"]


@pytest.mark.parametrize("via", ["manager's own portal client", "manager_hint"])
def test_manager_is_preset_when_the_resident_comes_from_a_managers_portal(stack, page, admin, make_payer, via):
    payer = make_payer("domovanje")
    client_id = f"domovanje-portal-{uuid.uuid4().hex[:6]}"
    redirect = f"{stack.settings.keycloak_url}/realms/{REALM}/account/*"
    attributes = {"esoseska.manager": "domovanje"} if via == "manager's own portal client" else {}
    admin.create_client(
        {
            "clientId": client_id,
            "publicClient": True,
            "redirectUris": [redirect],
            "standardFlowEnabled": True,
            "attributes": attributes,
        }
    )
    query = (
        f"client_id={client_id}&response_type=code&scope=openid"
        f"&redirect_uri={stack.settings.keycloak_url}/realms/{REALM}/account/"
    )
    if via == "manager_hint":
        query += "&manager_hint=domovanje"
    page.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/registrations?{query}")

    manager = page.get_by_label(label("Upravnik"))
    expect(manager).to_have_value("Domovanje d.o.o.")
    expect(manager).to_have_attribute("readonly", "")
    screenshot(page, "09-register-manager-preset")
    email = f"mojca.{uuid.uuid4().hex[:8]}@example.si"
    fill_registration(
        page,
        {
            "firstName": "Mojca",
            "lastName": "Kovač",
            "email": email,
            "phone_number": "031 222 333",
            "payerCode": payer["code"],
            "billPassword": payer["bill_password"],
            "password": PASSWORD,
            "password-confirm": PASSWORD,
            "termsAccepted": "on",
        },
    )
    page.get_by_role("button", name="REGISTRACIJA").click()
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible()
    assert users_with_email(admin, email)[0]["attributes"]["managers"] == ["domovanje"]


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_phone_and_desktop_widths(stack, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_registration_from_the_portal(page, stack)
    assert horizontal_overflow(page) <= 0
    page.get_by_role("navigation").get_by_role("link", name="Prijava").click()
    expect(page.get_by_role("button", name="PRIJAVA")).to_be_visible()
    assert horizontal_overflow(page) <= 0


def test_pages_switch_to_english(stack, new_page):
    page = new_page(locale="en-GB")
    page.goto(f"{account_url(stack)}?kc_locale=en")
    page.goto(account_url(stack))
    expect(page.get_by_role("button", name="LOG IN")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Register").click()
    expect(page.get_by_label(label("Payer code"))).to_be_visible()
    expect(page.get_by_label(label("Bill password"))).to_be_visible()
