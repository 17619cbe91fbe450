"""Attacks on the "Povpraševanje" page of the real Keycloak, with the real bridge and MailDev.

Reply-To injection: a name like `Čč, evil@attacker.example` must never put a second address into the mail the
manager gets (Reply-To holds exactly the validated sender), and no name may cause a 5xx.
CSRF: a form on another site, submitted from a visitor's browser, must not send an inquiry.
"""

from __future__ import annotations

import uuid
from urllib.parse import urljoin

import pytest
import requests
import sqlalchemy
from playwright.sync_api import expect

from devstack.layout import REALM

from ..hostile_names import HOSTILE_NAMES, generated_names
from .browser_support import label
from .keycloak_pages import Page, solved_captcha

pytestmark = pytest.mark.integration

MANAGER_MAIL = "uprava@staninvest.example"
EXPIRED = "Obrazec je potekel"
ATTACKER_ORIGIN = "https://attacker.example"
ATTACKER_SITE = "http://attacker.example"  # plain http like the test stack: Chromium warns before https → http


def inquiry_url(stack) -> str:
    return f"{stack.settings.keycloak_url}/realms/{REALM}/esoseska-inquiry"


@pytest.fixture
def allowance(stack):
    """A fresh hourly inquiry allowance for 127.0.0.1 (every test here posts from it)."""
    engine = sqlalchemy.create_engine(stack.settings.database_url)

    def renew() -> None:
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text("DELETE FROM inquiry_log"))

    renew()
    yield renew
    engine.dispose()


def open_form(session: requests.Session, stack) -> Page:
    response = session.get(inquiry_url(stack), timeout=15)
    assert response.status_code == 200
    return Page(response)


def submit(session: requests.Session, page: Page, **values: str) -> Page:
    """Posts the form as the browser would: its hidden fields (and the session's cookies) plus the values."""
    form = page.form("kc-inquiry-form")
    data = {el["name"]: el.get("value", "") for el in form.find_all("input", type="hidden") if el.get("name")}
    data.update({"managerId": "staninvest", "website": ""})
    data.update(solved_captcha(page, "kc-inquiry-form"))
    data.update(values)
    return Page(session.post(urljoin(page.response.url, form["action"]), data=data, timeout=15, allow_redirects=False))


def new_marker() -> str:
    return uuid.uuid4().hex[:12]


def mails_with(mail, marker: str) -> list[dict]:
    return [m for m in mail.messages_to(MANAGER_MAIL) if marker in (m.get("text") or "")]


# --- Reply-To injection through the name ------------------------------------------------------------


@pytest.mark.parametrize("name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_a_hostile_name_is_refused_at_the_name_field_and_mails_nothing(stack, mail, allowance, name):
    marker = new_marker()
    sender = f"ana.{marker}@example.si"
    session = requests.Session()
    page = submit(session, open_form(session, stack), name=name, email=sender, message=f"Vprašanje {marker}")

    assert page.response.status_code < 500
    delivered = mails_with(mail, marker)
    # what a mail program would reply to: exactly the sender, never the attacker
    for message in delivered:
        assert [address for _, address in mail.reply_to(message)] == [sender]
    assert delivered == []
    assert page.response.status_code == 400
    assert page.field_error("name") and "Ime" in page.field_error("name"), page.text[:800]
    assert page.field_value("email") == sender  # what the visitor typed is kept


def test_generated_names_never_cause_a_5xx_or_a_second_reply_address(stack, mail, allowance):
    names = generated_names(300)
    session = requests.Session()
    page = open_form(session, stack)
    statuses, sent = [], {}
    for i, name in enumerate(names):
        if i % 5 == 0:
            allowance()
        marker = new_marker()
        sender = f"fuzz.{marker}@example.si"
        answer = submit(session, page, name=name, email=sender, message=f"Fuzz {marker}")
        statuses.append(answer.response.status_code)
        if answer.response.status_code < 500 and answer.soup.find(id="inquiry-sent"):
            sent[marker] = sender
        else:
            page = answer if answer.soup.find("form", id="kc-inquiry-form") else open_form(session, stack)
    assert [s for s in statuses if s >= 500] == []
    for marker, sender in sent.items():
        (message,) = mails_with(mail, marker)
        assert [address for _, address in mail.reply_to(message)] == [sender]
    print(
        f"\nFIGURE inquiry page fuzz: {len(names)} names, {sum(s >= 500 for s in statuses)} 5xx, "
        f"{len(sent)} sent with Reply-To == sender"
    )


def test_a_name_with_slovenian_letters_and_punctuation_is_sent_with_only_the_sender_to_reply_to(stack, mail, allowance):
    marker = new_marker()
    sender = f"ziga.{marker}@example.si"
    session = requests.Session()
    page = submit(
        session,
        open_form(session, stack),
        name="Žiga Čeč-O’Brien (Staninvest)",
        email=sender,
        message=f"Vprašanje {marker}",
    )
    assert page.soup.find(id="inquiry-sent"), page.text[:800]
    message = mail.wait_for(MANAGER_MAIL, "Povpraševanje z eSoseske: Žiga Čeč-O’Brien (Staninvest)")
    assert mail.reply_to(message) == [("Žiga Čeč-O’Brien (Staninvest)", sender)]


# --- CSRF ----------------------------------------------------------------------------------------------


def cross_site_form(name: str, marker: str) -> dict:
    return {
        "name": name,
        "email": f"victim.{marker}@example.si",
        "managerId": "staninvest",
        "message": f"Poslano z drugega mesta {marker}",
        "website": "",
    }


def test_a_cross_site_post_without_the_pages_token_sends_nothing(stack, mail, allowance):
    marker = new_marker()
    # the attacker's page posts to the inquiry page; the visitor's browser sends no token (it cannot be read)
    response = requests.post(
        inquiry_url(stack),
        data=cross_site_form("Ana Novak", marker),
        timeout=15,
        headers={"Origin": ATTACKER_ORIGIN, "Referer": f"{ATTACKER_ORIGIN}/win"},
    )
    page = Page(response)
    assert mails_with(mail, marker) == []
    assert response.status_code == 403
    assert EXPIRED in page.text
    assert page.field_value("name") == "Ana Novak"  # a real visitor's text is kept for a second try


def test_a_token_the_attacker_fetched_for_himself_is_worthless_in_the_visitors_browser(stack, mail, allowance):
    marker = new_marker()
    attacker = requests.Session()
    attackers_page = open_form(attacker, stack)
    token = {
        el["name"]: el.get("value", "")
        for el in attackers_page.form("kc-inquiry-form").find_all("input", type="hidden")
        if el.get("name")
    }
    visitor = requests.Session()
    open_form(visitor, stack)  # the visitor has been on the page: their own cookie
    response = visitor.post(inquiry_url(stack), data={**cross_site_form("Ana Novak", marker), **token}, timeout=15)
    assert mails_with(mail, marker) == []
    assert response.status_code == 403
    assert EXPIRED in Page(response).text


def test_a_post_from_another_origin_is_refused_even_with_the_token(stack, mail, allowance):
    marker = new_marker()
    session = requests.Session()
    page = open_form(session, stack)
    form = page.form("kc-inquiry-form")
    data = {el["name"]: el.get("value", "") for el in form.find_all("input", type="hidden") if el.get("name")}
    response = session.post(
        inquiry_url(stack),
        data={**cross_site_form("Ana Novak", marker), **data},
        headers={"Origin": ATTACKER_ORIGIN},
        timeout=15,
    )
    assert mails_with(mail, marker) == []
    assert response.status_code == 403


@pytest.mark.parametrize("origin", [None, "page", "null"])
def test_the_form_of_the_page_itself_still_sends_one_inquiry(stack, mail, allowance, origin):
    marker = new_marker()
    sender = f"vesna.{marker}@example.si"
    session = requests.Session()
    if origin:  # a browser sends the page's origin, or "null" under Keycloak's Referrer-Policy: no-referrer
        session.headers["Origin"] = stack.settings.keycloak_url if origin == "page" else origin
    page = submit(session, open_form(session, stack), name="Vesna Zupan", email=sender, message=f"Dvigalo {marker}")
    assert page.soup.find(id="inquiry-sent"), page.text[:800]
    mail.wait_for(MANAGER_MAIL, "Vesna Zupan")
    (message,) = mails_with(mail, marker)
    assert page.response.status_code == 200
    assert [address for _, address in mail.reply_to(message)] == [sender]


def test_a_page_on_another_site_auto_submitting_the_form_in_chromium_sends_nothing(stack, page, mail, allowance):
    marker = new_marker()
    # the visitor has the inquiry page open in their browser (a cookie, if the page sets one) ...
    page.goto(inquiry_url(stack))
    expect(page.get_by_role("heading", name="Povpraševanje")).to_be_visible()
    # ... then visits the attacker's site, whose page posts the form to the inquiry page at once
    fields = "".join(
        f'<input type="hidden" name="{k}" value="{v}">' for k, v in cross_site_form("Ana Novak", marker).items()
    )
    evil = (
        f'<html><body><form id="f" method="post" action="{inquiry_url(stack)}">{fields}</form>'
        '<script>document.getElementById("f").submit()</script></body></html>'
    )
    page.route(f"{ATTACKER_SITE}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=evil))
    page.goto(f"{ATTACKER_SITE}/win")
    page.wait_for_url(inquiry_url(stack))
    expect(page.get_by_text(EXPIRED)).to_be_visible()
    expect(page.get_by_label(label("Ime in priimek"))).to_have_value("Ana Novak")
    assert mails_with(mail, marker) == []

    # the visitor sees why and sends it on purpose with one click: now it goes
    page.get_by_role("button", name="POŠLJI").click()
    expect(page.get_by_role("status")).to_contain_text("Vaše povpraševanje smo poslali upravniku")
    assert len(mails_with(mail, marker)) == 1
