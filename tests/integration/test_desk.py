"""The manager's desk in Chromium against the real stack: staff log in through Keycloak with an OTP, and run the
payer registry by the page's visible labels, while residents register with what the office uploaded."""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid

import pytest
from playwright.sync_api import Page, expect
from registration_bridge.db import make_engine
from registration_bridge.models import VerificationAttempt, utcnow

from devstack.demo_staff import PASSWORD as DEMO_PASSWORD
from devstack.demo_staff import STAFF, demo_otp, ensure_demo_staff

from .browser_support import PHONE, horizontal_overflow, serious_accessibility_violations
from .keycloak_pages import Browserless, jwt_claims
from .payer_codes import new_payer_code
from .staff_device_login import totp
from .test_managers_as_organizations import managers_in_bridge, wait_for
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration

STAFF_PASSWORD = "Pisarna-Geslo-2026"


@pytest.fixture
def manager(stack, admin):
    """A new manager of its own (an organization, and its staff group /manager-staff/<id>): what its office does
    (a complete list retires every payer it lacks) touches no other test's payers."""
    alias = f"desk-{uuid.uuid4().hex[:8]}"
    admin.create_organization({"alias": alias, "name": f"Upravnik {alias}"})
    assert wait_for(lambda: alias in managers_in_bridge(stack)), "the bridge did not follow the new organization"
    staff_group = admin.get_group_by_path("/manager-staff")
    admin.create_group({"name": alias}, parent=staff_group["id"])
    yield alias
    admin.delete_group(admin.get_group_by_path(f"/manager-staff/{alias}")["id"])
    for org in admin.get_organizations({"q": f"alias:{alias}"}):
        admin.delete_organization(org["id"])


@pytest.fixture
def new_staff(admin):
    """A new office staff member of a manager (group /manager-staff/<id>), who has no OTP yet."""
    made = []

    def make(manager_id: str = "staninvest") -> str:
        username = f"pisarna-{uuid.uuid4().hex[:8]}"
        user_id = admin.create_user(
            {
                "username": username,
                "email": f"{username}@example.si",
                "emailVerified": True,
                "enabled": True,
                "firstName": "Petra",
                "lastName": "Pisarna",
                "attributes": {"phone_number": ["041 000 111"]},
                "credentials": [{"type": "password", "value": STAFF_PASSWORD, "temporary": False}],
            }
        )
        group = admin.get_group_by_path(f"/manager-staff/{manager_id}")
        admin.group_user_add(user_id, group["id"])
        made.append(user_id)
        return username

    yield make
    for user_id in made:
        admin.delete_user(user_id)


def log_in(page: Page, desk_url: str, username: str) -> str:
    """Log in to the desk as a staff member the first time: password, then set up the OTP Keycloak asks for."""
    page.goto(desk_url + "/")
    page.get_by_label("E-naslov").fill(f"{username}@example.si")  # residents and staff log in by e-mail
    page.get_by_label("Geslo", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name=re.compile("Prijava", re.I)).click()
    # Keycloak's OTP setup: the secret is in the form (what the QR code holds)
    otp_setup = page.locator("input[name=totpSecret]")
    assert otp_setup.count() or otp_setup.wait_for(state="attached") is None, page.url + page.inner_text("body")
    secret = otp_setup.get_attribute("value")
    assert secret
    page.locator("#totp").fill(totp(secret))
    page.locator("input[type=submit], button[type=submit]").first.click()
    expect(page.get_by_role("navigation")).to_contain_text("Pregled")
    return secret


def upload(page: Page, content: bytes, complete: bool = False) -> None:
    page.get_by_role("link", name="Seznam plačnikov").click()
    page.get_by_label("Datoteka").set_input_files({"name": "seznam.csv", "mimeType": "text/csv", "buffer": content})
    if complete:
        page.get_by_label(re.compile("To je celoten seznam")).check()
    page.get_by_role("button", name="Preveri datoteko").click()


def find_payer(page: Page, code: str) -> None:
    page.get_by_role("link", name="Iskanje plačnika").click()
    page.get_by_label("Šifra plačnika, ime, naslov ali enota").fill(code)
    page.get_by_role("button", name="Išči").click()
    page.get_by_role("link", name=code).click()


def new_code() -> str:
    return new_payer_code(500000, 699999)


def test_the_office_runs_its_payer_list_on_the_desk(stack, page, manager, new_staff, admin, browser):
    desk = stack.settings.desk_url
    log_in(page, desk, new_staff(manager))
    code, other, locked = new_code(), new_code(), new_code()

    # a list with an error: the line is shown, nothing is applied
    upload(
        page, f"payer_code,bill_password,holder_name\n{code},Geslo-Ena-1,Ana Novak\n{other},,Janez Kranjc\n".encode()
    )
    expect(page.get_by_role("alert")).to_contain_text("vrstica 3: bill_password je prazen")
    page.get_by_role("link", name="Iskanje plačnika").click()
    page.get_by_label("Šifra plačnika, ime, naslov ali enota").fill(code)
    page.get_by_role("button", name="Išči").click()
    expect(page.get_by_text("Ni zadetkov.")).to_be_visible()

    # a good list: the preview, then apply
    good = (
        "payer_code;bill_password;holder_name;address;unit\n"
        f"{code};Geslo-Ena-1;Ana Novak;Vojkova 5;1\n{other};Geslo-Dva-2;Janez Kranjc;Vojkova 5;2\n"
        f"{locked};Geslo-Tri-3;Marko Čebular;Vojkova 5;3\n"
    ).encode("cp1250")
    upload(page, good)
    figures = page.locator("#preview-figures")
    expect(figures).to_contain_text(re.compile(r"Vrstic\s*3"))
    expect(figures).to_contain_text(re.compile(r"Novih\s*3"))
    page.get_by_role("button", name="Uporabi uvoz").click()
    expect(page.get_by_role("status")).to_contain_text("Uvoz je uporabljen: 3 vrstic, 3 novih")

    # a resident registers with it; the desk shows who
    email = f"ana.{uuid.uuid4().hex[:8]}@example.si"
    resident = {
        "firstName": "Ana",
        "lastName": "Novak",
        "email": email,
        "phone_number": "041 123 456",
        "payerCode": code,
        "billPassword": "Geslo-Ena-1",
        "managerId": manager,
        "password": "Sonce-Sije7",
        "password-confirm": "Sonce-Sije7",
        "termsAccepted": "on",
    }
    register(browser, resident)
    [user] = users_with_email(admin, email)
    admin.update_user(user["id"], {"emailVerified": True})
    find_payer(page, code)
    expect(page.locator("#payer-state")).to_have_text("Registriran")
    expect(page.locator("#registered-by")).to_contain_text(email)

    # Odkleni: a code locked by ten wrong guesses
    register(
        new_browser(browser),
        dict(resident, email=f"x.{uuid.uuid4().hex[:6]}@example.si", payerCode=locked, billPassword="narobe"),
    )
    wrong_guesses(stack, manager, locked, 9)  # the delays after the 3rd failure would make this test wait for minutes
    find_payer(page, locked)
    expect(page.locator("#payer-state")).to_have_text("Zaklenjen")
    page.get_by_role("link", name="Odkleni").click()
    page.get_by_role("button", name="Odkleni").click()
    expect(page.locator("#payer-state")).to_have_text("Ni registriran")

    # Sprosti: the account loses the payer account, the next token lacks it
    tokens = Browserless(
        browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
    )
    before = jwt_claims(tokens.log_in(email, "Sonce-Sije7")["access_token"])
    assert f"{manager}:{code}" in before["payer_accounts"]
    find_payer(page, code)
    page.get_by_role("link", name="Sprosti").click()
    page.get_by_role("button", name="Sprosti").click()
    expect(page.locator("#payer-state")).to_have_text("Ni registriran")
    after = jwt_claims(new_browser(browser).log_in(email, "Sonce-Sije7")["access_token"])
    assert f"{manager}:{code}" not in after.get("payer_accounts", [])

    # a new letter: printable, its password registers
    find_payer(page, other)
    page.get_by_role("link", name="Novo pismo za registracijo").click()
    page.get_by_role("button", name="Novo pismo za registracijo").click()
    expect(page.get_by_role("button", name="Natisni")).to_be_visible()
    expect(page.locator("article.letter")).to_contain_text(f"Upravnik {manager}")
    letter_password = page.locator("#letter-password").inner_text().strip()
    janez = f"janez.{uuid.uuid4().hex[:8]}@example.si"
    register(new_browser(browser), dict(resident, email=janez, payerCode=other, billPassword=letter_password))
    assert users_with_email(admin, janez), "the letter's bill password did not register"

    # residents, exported (Janez is one, until the complete list below retires his payer)
    page.get_by_role("link", name="Prebivalci").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Izvozi CSV").click()
    exported = download.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert rows[0][:3] == ["ime", "priimek", "e_naslov"]
    assert any(janez in row for row in rows)

    # the complete list retires a payer: Janez's payer is missing from it
    upload(page, f"payer_code,bill_password\n{code},Geslo-Ena-1\n{locked},Geslo-Tri-3\n".encode(), complete=True)
    expect(page.locator("#retired")).to_contain_text(other)
    page.get_by_role("button", name="Uporabi uvoz").click()
    expect(page.get_by_role("status")).to_contain_text("umaknjenih")
    [janez_user] = users_with_email(admin, janez)
    assert f"{manager}:{other}" not in (admin.get_user(janez_user["id"]).get("attributes") or {}).get(
        "payer_accounts", []
    )

    # the change log names who did each of it
    page.get_by_role("link", name="Dnevnik sprememb").click()
    for change in ("uvoz seznama", "odklep", "sprostitev", "novo geslo iz položnice", "umik plačnikov"):
        expect(page.locator("main")).to_contain_text(change)
    expect(page.locator("main")).to_contain_text("claims_ended: 1")


def wrong_guesses(stack, manager_id: str, code: str, times: int) -> None:
    """Failed checks of a payer code, as the bridge records them, straight into its database."""
    engine = make_engine(stack.settings.bridge_environment()["DATABASE_URL"])
    with engine.begin() as connection:
        for _ in range(times):
            connection.execute(
                VerificationAttempt.__table__.insert().values(
                    at=utcnow(),
                    manager_id=manager_id,
                    payer_code=code,
                    outcome="wrong_bill_password",
                    client_ip="192.0.2.9",
                )
            )
    engine.dispose()


def new_browser(browser: Browserless) -> Browserless:
    return Browserless(
        browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
    )


def test_staff_of_another_manager_are_refused(stack, page, new_staff):
    desk = stack.settings.desk_url
    log_in(page, desk, new_staff("domovanje"))
    answer = page.goto(f"{desk}/m/staninvest/payers?q=1")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading")).to_contain_text("Ni dostopa")


def test_desk_pages_are_accessible_and_fit_a_phone(stack, chromium, new_staff):
    # axe-core is injected as an inline script, which the desk's Content-Security-Policy rightly forbids
    context = chromium.new_context(locale="sl-SI", bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    desk = stack.settings.desk_url
    log_in(page, desk, new_staff("staninvest"))
    page.set_viewport_size(PHONE)
    for path in (
        "/m/staninvest/",
        "/m/staninvest/upload",
        "/m/staninvest/payers?q=Vojkova",
        "/m/staninvest/residents",
        "/m/staninvest/audit",
    ):
        page.goto(desk + path)
        assert serious_accessibility_violations(page) == [], path
        assert horizontal_overflow(page) == 0, path
    # the keyboard alone reaches the search
    page.goto(desk + "/m/staninvest/payers")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    context.close()


def test_the_readmes_demo_staff_log_in_with_their_listed_otp(stack, page):
    ensure_demo_staff(stack.settings.keycloak_url)  # what `make run` does once Keycloak is up
    ensure_demo_staff(stack.settings.keycloak_url)  # and again at the next start: no error
    [staff] = [s for s in STAFF if s.manager_id == "domovanje"]
    page.goto(stack.settings.desk_url + "/")
    page.get_by_label("E-naslov").fill(staff.email)
    page.get_by_label("Geslo", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Prijava", re.I)).click()
    page.locator("#otp").fill(demo_otp(staff))
    page.locator("input[type=submit], button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Domovanje d.o.o.")
