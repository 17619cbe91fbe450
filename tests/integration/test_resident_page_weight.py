"""Every resident page is light on a first visit: at most 200 KB on the wire, no render-blocking resource over
30 KB (measured in Chromium with the cache disabled, so each page costs what it costs a new visitor)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from devstack.layout import REALM

from .browser_support import TransferMeter, label
from .test_resident_pages_browser import PASSWORD, account_url, fill_registration, log_in

pytestmark = pytest.mark.integration

MOST_PER_PAGE = 200 * 1024
MOST_RENDER_BLOCKING = 30 * 1024


def auth_query(client: dict, **extra: str) -> str:
    """The query of a portal's authorization request (the login page straight away, no portal page before it)."""
    return urlencode(
        {
            "client_id": client["client_id"],
            "redirect_uri": client["redirect_uri"],
            "response_type": "code",
            "scope": "openid",
            **extra,
        }
    )


class Weights:
    def __init__(self, page: Page) -> None:
        self.meter = TransferMeter(page)
        self.pages: dict[str, tuple[int, dict[str, int]]] = {}

    def start(self) -> None:
        self.meter.settle()  # what the previous page still loads is not this page's
        self.meter.reset()

    def record(self, name: str) -> None:
        self.meter.settle()
        self.pages[name] = (self.meter.total(), self.meter.render_blocking())
        self.meter.reset()

    def report(self) -> str:
        return "\n".join(
            f"{name}: {total / 1024:.1f} KB; render-blocking: "
            + ", ".join(f"{url.rsplit('/', 1)[-1]} {size / 1024:.1f} KB" for url, size in blocking.items())
            for name, (total, blocking) in self.pages.items()
        )


def test_every_resident_page_is_light_on_a_first_visit(stack, page, new_page, mail, resident, portal_client):
    weights = Weights(page)
    values = dict(resident, phone_number="041 123 456")

    # the portal (here the account console) sends the visitor to the login page; only the login page is weighed
    page.goto(account_url(stack))
    expect(page.get_by_role("button", name="PRIJAVA")).to_be_visible()
    weights.meter.settle()
    weights.start()
    page.reload()
    expect(page.get_by_role("button", name="PRIJAVA")).to_be_visible()
    weights.record("login")

    page.get_by_label(label("E-naslov")).fill("PL-12345")
    page.get_by_label(label("Geslo")).fill("zacasno")
    page.get_by_role("button", name="PRIJAVA").click()
    expect(page.locator("#old-username-advice")).to_be_visible()
    weights.record("login, wrong (old username)")

    page.get_by_role("navigation").get_by_role("link", name="Registracija").click()
    expect(page.get_by_role("heading", name="Registracija")).to_be_visible()
    weights.record("registration")

    fill_registration(page, dict(values, termsAccepted=None))
    page.get_by_role("button", name="REGISTRACIJA").click()
    expect(page.locator("#error-summary")).to_be_visible()
    weights.record("registration with errors")

    fill_registration(page, values)
    page.get_by_role("button", name="REGISTRACIJA").click()
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible()
    weights.record("check your e-mail")

    from_mail = new_page()
    mail_weights = Weights(from_mail)
    activation = mail.wait_for(values["email"], "Potrdite svoj račun eSoseska")
    from_mail.goto(mail.links(activation)["Aktiviraj račun"])
    expect(from_mail.get_by_role("heading", name="Aktivacija računa")).to_be_visible()
    mail_weights.record("activation")
    from_mail.get_by_role("link", name="Aktiviraj račun").click()
    expect(from_mail.get_by_role("heading", name="Aktivacija računa uspešna")).to_be_visible()
    mail_weights.record("activation done")

    from_mail.get_by_role("link", name="Prijava v račun").click()
    expect(from_mail.get_by_role("button", name="PRIJAVA")).to_be_visible()
    mail_weights.start()
    from_mail.get_by_role("link", name="Ste pozabili geslo?").click()
    expect(from_mail.get_by_role("heading", name="Ste pozabili geslo?")).to_be_visible()
    mail_weights.record("forgot password")
    from_mail.get_by_label(label("E-naslov")).fill(values["email"])
    from_mail.get_by_role("button", name="Pošlji").click()
    expect(from_mail.get_by_text("poslali navodila za novo geslo")).to_be_visible()
    mail_weights.record("instructions sent (info on the login page)")
    reset = mail.wait_for(values["email"], "Ponastavitev gesla")
    from_mail.goto(mail.links(reset)["Nastavi novo geslo"])
    expect(from_mail.get_by_role("heading", name="Novo geslo")).to_be_visible()
    mail_weights.record("new password")
    from_mail.get_by_label(label("Novo geslo")).fill(PASSWORD)
    from_mail.get_by_label(label("Ponovno geslo")).fill(PASSWORD)
    from_mail.get_by_role("button", name=re.compile("Pošlji|Potrdi", re.I)).click()
    from_mail.wait_for_url(re.compile(rf"/realms/{REALM}/account"))

    from_mail.goto("about:blank")  # the account console would go on loading into the next page's figures
    mail_weights.meter.reset()
    query = auth_query(portal_client, kc_action="link-manager")
    from_mail.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/auth?{query}")
    expect(from_mail.get_by_role("heading", name="Dodaj upravnika")).to_be_visible()
    mail_weights.record("Dodaj upravnika")

    from_mail.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/esoseska-inquiry")
    expect(from_mail.get_by_role("heading", name="Povpraševanje")).to_be_visible()
    mail_weights.record("inquiry")

    from_mail.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/auth?client_id=no-such-app")
    expect(from_mail.locator("#kc-page-title")).to_be_visible()
    mail_weights.record("error")

    weights.pages.update(mail_weights.pages)
    print("\n" + weights.report())
    assert len(weights.pages) == 13
    too_heavy = {name: total for name, (total, _) in weights.pages.items() if total > MOST_PER_PAGE}
    assert too_heavy == {}, weights.report()
    blocking = {
        (name, url): size
        for name, (_, resources) in weights.pages.items()
        for url, size in resources.items()
        if size > MOST_RENDER_BLOCKING
    }
    assert blocking == {}, weights.report()


def test_error_summary_at_the_top_links_to_each_field(stack, page, resident):
    page.goto(account_url(stack))
    page.get_by_role("navigation").get_by_role("link", name="Registracija").click()
    fill_registration(page, dict(resident, phone_number="041-12", termsAccepted=None))
    page.get_by_role("button", name="REGISTRACIJA").click()

    summary = page.locator("#error-summary")
    expect(summary.get_by_role("heading", name="Prišlo je do težave")).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Napaka:")
    links = summary.get_by_role("link")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == ["#phone_number", "#termsAccepted"]
    # the same words as at the field, and the link takes the focus there
    expect(links.first).to_have_text(page.locator("#input-error-phone_number").inner_text().strip())
    links.first.click()
    expect(page.get_by_label(label("Telefonska številka"))).to_be_focused()


def test_a_wrong_password_is_summarised_with_a_link_to_the_email_field(stack, page, resident):
    page.goto(account_url(stack))
    log_in(page, "nihce@example.si", "Napacno-geslo1")
    links = page.locator("#error-summary").get_by_role("link")
    expect(links).to_have_count(1)
    expect(links.first).to_have_attribute("href", "#username")
    expect(page.locator("#old-username-advice")).to_have_count(0)


@pytest.mark.parametrize("typed", ["PL-004711", "janez.novak"])
def test_an_old_portal_username_gets_the_advice_to_register(stack, page, typed):
    page.goto(account_url(stack))
    log_in(page, typed, "ZacasnoGeslo1")
    advice = page.locator("#old-username-advice")
    expect(advice).to_contain_text(typed)
    expect(advice).to_contain_text("Začasnega uporabniškega imena in gesla iz prejšnjega portala ne vpisujte")
    advice.get_by_role("link", name="Registrirajte se").click()
    expect(page.get_by_role("heading", name="Registracija")).to_be_visible()


def test_the_old_username_advice_needs_no_javascript(stack, chromium, portal_client):
    context = chromium.new_context(locale="sl-SI", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(
            f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/auth?{auth_query(portal_client)}"
        )
        log_in(page, "PL-004711", "ZacasnoGeslo1")
        expect(page.locator("#old-username-advice")).to_be_visible()
    finally:
        context.close()
