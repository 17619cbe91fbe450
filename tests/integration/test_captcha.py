"""'Nisem robot' (ALTCHA) against the real Keycloak, attacks first: registration, "Dodaj upravnika" and the inquiry
page refuse a form without a solution, with a forged one, an expired one or one used before, with an error at the
widget, the other fields kept and no user (or mail) made; a real browser solves the widget and registers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from playwright.sync_api import expect
from registration_bridge.db import make_engine
from registration_bridge.models import VerificationAttempt, utcnow

from devstack.stack import (
    DEV_CAPTCHA_ATTACK_MAX_NUMBER,
    DEV_CAPTCHA_ATTACK_SECONDS,
    DEV_CAPTCHA_HMAC_KEY,
    DEV_CAPTCHA_MAX_NUMBER,
)

from ..altcha_solver import payload, solve
from ..figures import record
from .keycloak_pages import CAPTCHA_FIELD, Browserless, Page, solved_captcha
from .test_accounts import account, new_browser  # noqa: F401 (fixtures)
from .test_inquiry import MANAGER_MAIL, inquiry_url
from .test_registration import NOT_VERIFIED_SL, register, users_with_email
from .test_resident_pages_browser import account_url, fill_registration

pytestmark = pytest.mark.integration

MISSING = "Potrdite »Nisem robot«"
INVALID = "Potrditve »Nisem robot« ni bilo mogoče preveriti."
EXPIRED = "Potrditev »Nisem robot« je potekla."
USED = "Ta potrditev »Nisem robot« je bila že uporabljena."


def signed_challenge(key: str, expires: int, max_number: int = 1000) -> dict:
    """A challenge signed with `key`, as Altcha.java makes one (for forged and expired solutions)."""
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    challenge = hashlib.sha256(f"{salt}{secrets.randbelow(max_number)}".encode()).hexdigest()
    signature = hmac.new(key.encode(), challenge.encode(), hashlib.sha256).hexdigest()
    return {
        "algorithm": "SHA-256",
        "challenge": challenge,
        "maxnumber": max_number,
        "salt": salt,
        "signature": signature,
    }


def wrong_solutions(page: Page, form_id: str) -> dict[str, str | None]:
    """What an attacker posts instead of the work: nothing, garbage, a wrong number, a self-signed challenge, a
    solution whose challenge expired (signed with the dev key, which only a test knows)."""
    challenge = page.captcha_challenge(form_id)
    assert challenge is not None and challenge["maxnumber"] == DEV_CAPTCHA_MAX_NUMBER
    number = json.loads(base64.b64decode(solve(challenge)))["number"]
    return {
        "missing": None,
        "garbage": "bm90LWpzb24=",
        "wrong number": payload(challenge, number + 1),
        "forged signature": payload(challenge, number, signature="0" * 64),
        "self-signed": solve(signed_challenge("the-attackers-own-key", int(time.time()) + 600)),
        "expired": solve(signed_challenge(DEV_CAPTCHA_HMAC_KEY, int(time.time()) - 1)),
    }


EXPECTED = {
    "missing": MISSING,
    "garbage": INVALID,
    "wrong number": INVALID,
    "forged signature": INVALID,
    "self-signed": INVALID,
    "expired": EXPIRED,
}


# --- registration -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("attack", list(EXPECTED))
def test_registration_without_the_work_is_refused_at_the_widget_and_makes_no_user(browser, admin, resident, attack):
    page = browser.open_registration()
    solution = wrong_solutions(page, "kc-register-form")[attack]
    # a wrong bill password too: were the bridge asked, the page would say the payer is not verified
    result = browser.submit(page, "kc-register-form", dict(resident, billPassword="ugibam", altcha=solution))
    assert result.response.status_code == 200, result.text[:1000]
    assert EXPECTED[attack] in (result.field_error(CAPTCHA_FIELD) or ""), result.field_errors()
    assert NOT_VERIFIED_SL not in result.text  # the bridge got no guess
    assert users_with_email(admin, resident["email"]) == []
    # what was typed is kept, and the page has a fresh challenge to solve
    assert result.field_value("email") == resident["email"]
    assert result.field_value("firstName") == resident["firstName"]
    assert result.field_value("payerCode") == resident["payerCode"]
    assert result.captcha_challenge("kc-register-form") not in (None, page.captcha_challenge("kc-register-form"))


def test_a_solution_is_good_for_one_registration_only(browser, admin, resident, make_payer):
    page = browser.open_registration()
    solution = solved_captcha(page, "kc-register-form")[CAPTCHA_FIELD]
    first = browser.submit(page, "kc-register-form", dict(resident, altcha=solution))
    assert resident["email"] in first.text, first.text[:1000]
    assert len(users_with_email(admin, resident["email"])) == 1

    other = make_payer()
    again = Browserless(browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri)
    second_values = dict(
        resident,
        email=f"replay.{uuid.uuid4().hex[:8]}@example.si",
        payerCode=other["code"],
        billPassword=other["bill_password"],
        altcha=solution,
    )
    replayed = again.submit(again.open_registration(), "kc-register-form", second_values)
    assert USED in (replayed.field_error(CAPTCHA_FIELD) or ""), replayed.field_errors()
    assert users_with_email(admin, second_values["email"]) == []
    # with its own work (the fresh challenge of the page that refused it) the same form goes through
    own_work = {k: v for k, v in second_values.items() if k != CAPTCHA_FIELD}
    done = again.submit(replayed, "kc-register-form", own_work)
    assert second_values["email"] in done.text, done.text[:1000]


# --- a flood of failed checks: more work ----------------------------------------------------------------------
FLOOD_NETWORK_PREFIX = "198.51.100."  # TEST-NET-2: a botnet's many networks, none of them this test's own


@contextmanager
def flood_of_failed_checks(stack, failures: int = 10_000) -> Iterator[None]:
    """The bridge's record of a flood: `failures` wrong bill passwords of the last minutes from 250 networks (the
    bridge's BRIDGE_MAX_FAILURES_PER_HOUR is 10 000), gone again afterwards."""
    engine = make_engine(stack.settings.bridge_environment()["DATABASE_URL"])
    now = utcnow()
    rows = [
        {
            "at": now,
            "manager_id": "staninvest",
            "payer_code": f"flood-{i}",
            "outcome": "wrong_bill_password",
            "client_ip": f"{FLOOD_NETWORK_PREFIX}{i % 250}",
            "client_network": f"{FLOOD_NETWORK_PREFIX}{i % 250}",
        }
        for i in range(failures)
    ]
    try:
        with engine.begin() as connection:
            connection.execute(VerificationAttempt.__table__.insert(), rows)
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(
                VerificationAttempt.__table__.delete().where(
                    VerificationAttempt.client_network.startswith(FLOOD_NETWORK_PREFIX)
                )
            )
        engine.dispose()


def challenge_work(browser: Browserless) -> int:
    return int(browser.open_registration().captcha_challenge("kc-register-form")["maxnumber"])


def test_a_flood_of_failed_checks_makes_the_work_harder_until_it_is_over(stack, browser, resident):
    assert challenge_work(browser) == DEV_CAPTCHA_MAX_NUMBER
    with flood_of_failed_checks(stack):
        time.sleep(1.5)  # the bridge looks at the overall count at most once a second here (ATTACK_CHECK_SECONDS)
        # the next payer check's answer tells Keycloak (a guess: under a flood this network's budget is spent anyway)
        refused = register(browser, dict(resident, billPassword="ugibam"))
        assert NOT_VERIFIED_SL in (refused.field_error("billPassword") or ""), refused.field_errors()
        # every page from now asks for more work, the page that refused the guess too, and its solution counts
        assert int(refused.captcha_challenge("kc-register-form")["maxnumber"]) == DEV_CAPTCHA_ATTACK_MAX_NUMBER
        other = Browserless(browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri)
        harder = other.open_registration()
        assert int(harder.captcha_challenge("kc-register-form")["maxnumber"]) == DEV_CAPTCHA_ATTACK_MAX_NUMBER
        solved = other.submit(harder, "kc-register-form", dict(resident, billPassword="ugibam"))
        assert solved.field_error(CAPTCHA_FIELD) is None, solved.field_errors()
        raised_at = time.monotonic()
    # the flood is over: the work falls back once the bridge has not reported one for the attack duration
    deadline = raised_at + DEV_CAPTCHA_ATTACK_SECONDS + 20
    while (work := challenge_work(browser)) != DEV_CAPTCHA_MAX_NUMBER and time.monotonic() < deadline:
        time.sleep(1)
    assert work == DEV_CAPTCHA_MAX_NUMBER, "the work stayed raised after the flood"
    lasted = time.monotonic() - raised_at
    record(
        "captcha under a flood of failed checks: maxnumber normal / raised, back to normal after (s)",
        f"{DEV_CAPTCHA_MAX_NUMBER} / {DEV_CAPTCHA_ATTACK_MAX_NUMBER}, {lasted:.0f} (attack duration "
        f"{DEV_CAPTCHA_ATTACK_SECONDS} s)",
    )


def test_the_form_without_javascript_says_the_check_needs_it(browser):
    page = browser.open_registration()
    note = page.soup.select_one("#group-altcha noscript")
    assert note is not None and "vklopljen JavaScript" in note.get_text()
    script = page.soup.find("script", src=re.compile(r"/js/captcha\.js$"))
    assert script is not None and script.get("type") == "module"  # not render-blocking
    widget = page.soup.find("altcha-widget")
    assert widget["data-label"] == "Nisem robot" and widget["name"] == CAPTCHA_FIELD


# --- "Dodaj upravnika" ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("attack", ["missing", "self-signed", "expired"])
def test_adding_a_manager_without_the_work_is_refused(new_browser, account, make_payer, attack):  # noqa: F811
    second = make_payer("domovanje")
    browser = new_browser()
    login = browser.open_login(kc_action="link-manager")
    form = browser.submit(login, "kc-form-login", {"username": account["email"], "password": account["password"]})
    solution = wrong_solutions(form, "kc-link-manager-form")[attack]
    values = {"managerId": "domovanje", "payerCode": second["code"], "billPassword": "ugibam", "altcha": solution}
    result = browser.submit(form, "kc-link-manager-form", values)
    assert EXPECTED[attack] in (result.field_error(CAPTCHA_FIELD) or ""), result.field_errors()
    assert NOT_VERIFIED_SL not in result.text
    assert result.field_value("payerCode") == second["code"]


def test_a_solution_adds_one_manager_only(new_browser, account, make_payer):  # noqa: F811
    second, third = make_payer("domovanje"), make_payer("domovanje")
    browser = new_browser()
    login = browser.open_login(kc_action="link-manager")
    form = browser.submit(login, "kc-form-login", {"username": account["email"], "password": account["password"]})
    used = solved_captcha(form, "kc-link-manager-form")
    values = {"managerId": "domovanje", "payerCode": second["code"], "billPassword": second["bill_password"]}
    done = browser.submit(form, "kc-link-manager-form", {**values, **used})
    assert "kc_action_status=success" in done.response.headers["Location"], done.text[:1000]

    browser = new_browser()
    login = browser.open_login(kc_action="link-manager")
    again = browser.submit(login, "kc-form-login", {"username": account["email"], "password": account["password"]})
    values = {"managerId": "domovanje", "payerCode": third["code"], "billPassword": third["bill_password"]}
    replayed = browser.submit(again, "kc-link-manager-form", {**values, **used})
    assert USED in (replayed.field_error(CAPTCHA_FIELD) or ""), replayed.text[:1500]


# --- the inquiry page -------------------------------------------------------------------------------------------
def post_inquiry(session: requests.Session, page: Page, marker: str, solution: str | None) -> Page:
    form = page.form("kc-inquiry-form")
    data = {el["name"]: el.get("value", "") for el in form.find_all("input", type="hidden") if el.get("name")}
    data.update(
        {
            "name": "Vesna Zupan",
            "email": f"vesna.{marker}@example.si",
            "managerId": "staninvest",
            "message": f"Sporočilo {marker}",
            "website": "",
        }
    )
    if solution is not None:
        data[CAPTCHA_FIELD] = solution
    return Page(session.post(inquiry_url_of(page), data=data, timeout=15))


def inquiry_url_of(page: Page) -> str:
    return page.response.url


def mails_with(mail, marker: str) -> list[dict]:
    return [m for m in mail.messages_to(MANAGER_MAIL) if marker in (m.get("text") or "")]


@pytest.mark.parametrize("attack", ["missing", "wrong number", "self-signed", "expired"])
def test_an_inquiry_without_the_work_sends_nothing(stack, mail, attack):
    session = requests.Session()
    page = Page(session.get(inquiry_url(stack), timeout=15))
    marker = uuid.uuid4().hex[:10]
    result = post_inquiry(session, page, marker, wrong_solutions(page, "kc-inquiry-form")[attack])
    assert result.response.status_code == 400
    assert EXPECTED[attack] in (result.field_error(CAPTCHA_FIELD) or ""), result.field_errors()
    assert result.field_value("email") == f"vesna.{marker}@example.si"
    time.sleep(1)
    assert mails_with(mail, marker) == []


def test_an_inquiry_solution_sends_one_inquiry_only(stack, mail):
    session = requests.Session()
    page = Page(session.get(inquiry_url(stack), timeout=15))
    solution = solved_captcha(page, "kc-inquiry-form")[CAPTCHA_FIELD]
    marker = uuid.uuid4().hex[:10]
    sent = post_inquiry(session, page, marker, solution)
    assert sent.response.status_code == 200 and sent.field_error(CAPTCHA_FIELD) is None, sent.text[:1000]
    mail.wait_for(MANAGER_MAIL, "Povpraševanje z eSoseske: Vesna Zupan")
    fresh = Page(session.get(inquiry_url(stack), timeout=15))  # a new form token, the old solution
    again = post_inquiry(session, fresh, uuid.uuid4().hex[:10], solution)
    assert USED in (again.field_error(CAPTCHA_FIELD) or ""), again.field_errors()


# --- a real browser ---------------------------------------------------------------------------------------------
def test_a_resident_in_chromium_gets_through_nisem_robot_and_registers(stack, page, admin, resident):
    page.goto(account_url(stack))
    page.get_by_role("navigation").get_by_role("link", name="Registracija").click()
    expect(page.get_by_role("heading", name="Registracija")).to_be_visible()
    widget = page.locator("altcha-widget")
    expect(widget.get_by_text("Preverjeno")).to_be_visible(timeout=30_000)  # solved on its own as the page loads
    assert page.locator(f"input[name={CAPTCHA_FIELD}]").input_value()
    fill_registration(page, resident)
    page.get_by_role("button", name="REGISTRACIJA").click()
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible()
    assert len(users_with_email(admin, resident["email"])) == 1


def test_the_form_sent_before_the_widget_is_done_waits_for_it(stack, page, admin, resident):
    page.goto(account_url(stack))
    page.get_by_role("navigation").get_by_role("link", name="Registracija").click()
    fill_registration(page, resident)
    page.get_by_role("button", name="REGISTRACIJA").click()
    expect(page.get_by_role("heading", name="Preverite e-pošto")).to_be_visible(timeout=30_000)
    assert len(users_with_email(admin, resident["email"])) == 1
