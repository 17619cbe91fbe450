"""The e-mails as mail programs get them from the real Keycloak and bridge: a plain-text and an HTML part, the HTML
laid out with tables and inline styles only, the manager's logo (or eSoseska's), links that work; and each HTML mail
rendered in Chromium at phone and desktop width (var/screenshots/mail-*.png)."""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from urllib.parse import urljoin

import bs4
import pytest
import requests
from playwright.sync_api import Page, expect

from devstack.layout import REALM

from .browser_support import SCREENSHOTS, label
from .keycloak_pages import Browserless
from .test_inquiry_attacks import allowance  # noqa: F401  (fixture: inquiries earlier in the session count)
from .test_registration import register

pytestmark = pytest.mark.integration

STANINVEST_LOGO = "https://www.staninvest.example/logo.png"  # the organization's logoUrl (realm/esoseska.json)
MANAGER_MAIL = "uprava@staninvest.example"
MAIL_WIDTHS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def parts(mail, message: dict) -> dict[str, str]:
    """The mail's parts as a mail program decodes them, by content type."""
    parsed = email.message_from_bytes(mail.source(message), policy=email.policy.default)
    return {part.get_content_type(): part.get_content() for part in parsed.walk() if not part.is_multipart()}


def assert_laid_out_for_mail_programs(html: str, logo: str) -> bs4.BeautifulSoup:
    soup = bs4.BeautifulSoup(html, "html.parser")
    assert soup.find("style") is None and soup.find("link") is None, "styles must be inline"
    assert soup.find("table", attrs={"role": "presentation"}) is not None
    assert soup.find("img")["src"] == logo
    return soup


@pytest.fixture(scope="module")
def manager_logo(chromium) -> bytes:
    """A stand-in for Staninvest's logo (its address is not on the internet): a PNG with its name."""
    page = chromium.new_page()
    page.set_content(
        '<b id="logo" style="display:inline-block;padding:6px 10px;font:bold 26px Arial;color:#fff;'
        'background:#1f5f8b">STANINVEST</b>'
    )
    png = page.locator("#logo").screenshot()
    page.close()
    return png


def render(chromium, html: str, name: str, manager_logo: bytes) -> dict[str, Page]:
    """The HTML mail in Chromium at both widths, screenshots written; the pages stay open for the checks."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {}
    for kind, size in MAIL_WIDTHS.items():
        context = chromium.new_context(viewport=size)
        page = context.new_page()
        page.route(STANINVEST_LOGO, lambda route: route.fulfill(content_type="image/png", body=manager_logo))
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"mail-{name}-{kind}.png"), full_page=True)
        pages[kind] = page
    return pages


def assert_readable(pages: dict[str, Page], button: str | None, text: str) -> None:
    """At both widths: the logo loaded, the text and the button visible and inside the window, no sideways scroll."""
    for kind, page in pages.items():
        width = MAIL_WIDTHS[kind]["width"]
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)"), kind
        expect(page.get_by_text(text)).to_be_visible()
        if button:
            link = page.get_by_role("link", name=button, exact=True)
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (kind, box)
            assert box["height"] >= 44, (kind, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, kind
        page.context.close()


def test_activation_mails_have_the_managers_logo_and_working_buttons(
    browser, resident, mail, chromium, new_page, manager_logo
):
    register(browser, resident)
    activation = mail.wait_for(resident["email"], "Potrdite svoj račun eSoseska")
    content = parts(mail, activation)
    assert set(content) == {"text/plain", "text/html"}
    link = mail.links(activation)["Aktiviraj račun"]
    assert link in content["text/plain"] and "Povezava velja" in content["text/plain"]
    soup = assert_laid_out_for_mail_programs(content["text/html"], STANINVEST_LOGO)
    assert soup.find("img")["alt"] == "Staninvest d.o.o."
    assert "v imenu upravnika Staninvest d.o.o. poslal portal eSoseska" in soup.get_text()
    assert_readable(
        render(chromium, content["text/html"], "activation", manager_logo), "Aktiviraj račun", "Pozdravljeni,"
    )

    from_mail = new_page()
    from_mail.goto(link)
    from_mail.get_by_role("link", name="Aktiviraj račun").click()
    expect(from_mail.get_by_role("heading", name="Aktivacija računa uspešna")).to_be_visible()

    activated = mail.wait_for(resident["email"], "Vaš račun eSoseska je aktiviran")
    content = parts(mail, activated)
    assert set(content) == {"text/plain", "text/html"}
    assert "Pozdravljeni Ana," in content["text/plain"]
    assert_laid_out_for_mail_programs(content["text/html"], STANINVEST_LOGO)
    assert_readable(
        render(chromium, content["text/html"], "account-activated", manager_logo),
        "Prijava v račun",
        "Pozdravljeni Ana,",
    )
    login = new_page()
    login.goto(mail.links(activated)["Prijava v račun"])
    expect(login.get_by_role("button", name="PRIJAVA")).to_be_visible()


def user_without_manager(admin, locale: str | None = None) -> str:
    address = f"brez.{uuid.uuid4().hex[:8]}@example.si"
    attributes = {"phone_number": ["041 000 000"], **({"locale": [locale]} if locale else {})}
    admin.create_user(
        {
            "username": address,
            "email": address,
            "emailVerified": True,
            "enabled": True,
            "firstName": "Brez",
            "lastName": "Upravnika",
            "attributes": attributes,
        }
    )
    return address


def ask_for_a_new_password(browser: Browserless, address: str, **auth_params: str) -> None:
    login = browser.open_login(**auth_params)
    forgot = login.soup.find("a", href=re.compile("reset-credentials"))
    page = browser.follow(urljoin(login.response.url, forgot["href"]))
    browser.submit(page, "kc-reset-password-form", {"username": address})


def test_the_reset_mail_of_someone_without_a_manager_has_the_esoseska_logo(
    browser, admin, mail, stack, chromium, new_page, manager_logo
):
    address = user_without_manager(admin)
    ask_for_a_new_password(browser, address)
    reset = mail.wait_for(address, "Ponastavitev gesla")
    content = parts(mail, reset)
    assert set(content) == {"text/plain", "text/html"}
    soup = bs4.BeautifulSoup(content["text/html"], "html.parser")
    logo = soup.find("img")["src"]
    assert logo.startswith(f"{stack.settings.keycloak_url}/resources/") and logo.endswith("/img/esoseska-logo.png")
    assert_laid_out_for_mail_programs(content["text/html"], logo)
    assert soup.find("img")["alt"] == "eSoseska"
    served = requests.get(logo, timeout=10)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("image/png")
    rendered = render(chromium, content["text/html"], "password-reset", manager_logo)
    assert_readable(rendered, "Nastavi novo geslo", "Pozdravljeni,")

    link = mail.links(reset)["Nastavi novo geslo"]
    assert link in content["text/plain"]
    from_mail = new_page()
    from_mail.goto(link)
    expect(from_mail.get_by_role("heading", name="Novo geslo")).to_be_visible()


def test_a_resident_who_reads_english_gets_the_mail_in_english(browser, admin, mail):
    address = user_without_manager(admin, locale="en")
    ask_for_a_new_password(browser, address, ui_locales="en")
    reset = mail.wait_for(address, "Reset your eSoseska password")
    content = parts(mail, reset)
    assert "Set a new password" in mail.links(reset)
    assert "If the button does not work" in content["text/html"]
    assert "we received a request for a new password" in content["text/plain"]


def mail_mentioning(mail, address: str, text: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mail.messages_to(address) if text in (m.get("text") or "")]
        if found:
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"no mail to {address} mentioning {text!r}")


def test_the_inquiry_mail_to_the_manager_has_an_html_part_with_its_logo(
    stack,
    page,
    mail,
    chromium,
    manager_logo,
    allowance,  # noqa: F811
):
    sender = f"vesna.{uuid.uuid4().hex[:8]}@example.si"
    page.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/esoseska-inquiry")
    page.get_by_label(label("Ime in priimek")).fill("Vesna Zupan")
    page.get_by_label(label("E-naslov")).fill(sender)
    page.get_by_label(label("Upravnik")).select_option(label="Staninvest d.o.o.")
    page.get_by_label(label("Sporočilo")).fill(f"Pozdravljeni,\nkdaj bo v bloku zamenjano dvigalo? ({sender})")
    page.get_by_role("button", name="POŠLJI").click()
    expect(page.get_by_role("status")).to_contain_text("Vaše povpraševanje smo poslali")

    message = mail_mentioning(mail, MANAGER_MAIL, sender)
    content = parts(mail, message)
    assert set(content) == {"text/plain", "text/html"}
    assert "kdaj bo v bloku zamenjano dvigalo?" in content["text/plain"]
    soup = assert_laid_out_for_mail_programs(content["text/html"], STANINVEST_LOGO)
    assert soup.find("a", href=f"mailto:{sender}") is not None
    assert_readable(
        render(chromium, content["text/html"], "inquiry", manager_logo), None, "kdaj bo v bloku zamenjano dvigalo?"
    )
