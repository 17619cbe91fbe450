""" "Povpraševanje": someone without an account writes to a manager; the manager gets it by e-mail."""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect

from devstack.layout import REALM

from .browser_support import label, screenshot, serious_accessibility_violations
from .keycloak_pages import Page, solved_captcha

pytestmark = pytest.mark.integration

MANAGER_MAIL = "uprava@staninvest.example"


def inquiry_url(stack) -> str:
    return f"{stack.settings.keycloak_url}/realms/{REALM}/esoseska-inquiry"


def test_an_inquiry_reaches_the_managers_mailbox_with_the_sender_to_reply_to(stack, page, mail):
    marker = uuid.uuid4().hex[:8]
    sender = f"vesna.{marker}@example.si"
    name = f"Vesna Zupan {marker}"  # the subject names the sender: this test's mail, not another test's
    page.goto(f"{stack.settings.keycloak_url}/realms/{REALM}/account")
    page.get_by_role("navigation").get_by_role("link", name="Povpraševanje").click()
    expect(page.get_by_role("heading", name="Povpraševanje")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    screenshot(page, "10-inquiry")

    page.get_by_label(label("Ime in priimek")).fill(name)
    page.get_by_label(label("E-naslov")).fill(sender)
    page.get_by_label(label("Upravnik")).select_option(label="Staninvest d.o.o.")
    page.get_by_label(label("Sporočilo")).fill("Pozdravljeni,\nkdaj bo v bloku zamenjano dvigalo?")
    page.get_by_role("button", name="POŠLJI").click()

    expect(page.get_by_role("status")).to_contain_text("Vaše povpraševanje smo poslali upravniku Staninvest d.o.o.")
    expect(page.get_by_role("status")).to_contain_text(sender)
    screenshot(page, "11-inquiry-sent")
    message = mail.wait_for(MANAGER_MAIL, f"Povpraševanje z eSoseske: {name}")
    assert [reply_to["address"] for reply_to in message["replyTo"]] == [sender]
    assert "kdaj bo v bloku zamenjano dvigalo?" in message["text"]


def test_missing_fields_are_shown_at_their_fields(stack, page):
    page.goto(inquiry_url(stack))
    page.get_by_label(label("E-naslov")).fill("ni-naslov")
    page.get_by_role("button", name="POŠLJI").click()
    expect(page.locator("#input-error-name")).to_contain_text("Vpišite ime in priimek.")
    expect(page.locator("#input-error-email")).to_contain_text("Vpišite veljaven e-naslov")
    expect(page.locator("#input-error-managerId")).to_contain_text("Izberite upravnika.")
    expect(page.locator("#input-error-message")).to_contain_text("Napišite sporočilo.")
    expect(page.get_by_label(label("E-naslov"))).to_have_value("ni-naslov")
    expect(page.get_by_label(label("E-naslov"))).to_have_attribute("aria-invalid", "true")


def test_inquiries_from_one_place_are_limited_per_hour(stack, mail):
    session = requests.Session()

    def send(i: int) -> Page:
        page = Page(session.get(inquiry_url(stack), timeout=15))  # the form and its CSRF token
        hidden = {
            el["name"]: el.get("value", "") for el in page.form("kc-inquiry-form").find_all("input", type="hidden")
        }
        form = {
            **hidden,
            **solved_captcha(page, "kc-inquiry-form"),
            "name": f"Robot {i}",
            "email": f"robot{i}@example.si",
            "managerId": "staninvest",
            "message": f"Sporočilo {i}",
            "website": "",
        }
        return Page(session.post(inquiry_url(stack), data=form, timeout=15))

    results = [send(i) for i in range(7)]
    refused = [i for i, page in enumerate(results) if "preveč povpraševanj" in page.text]
    assert refused, "no inquiry was refused"
    first_refusal = refused[0]
    assert all(i in refused for i in range(first_refusal, len(results)))
    sent_subjects = {m["subject"] for m in mail.messages_to(MANAGER_MAIL)}
    accepted = [i for i in range(len(results)) if i not in refused]
    assert all(f"Povpraševanje z eSoseske: Robot {i}" in sent_subjects for i in accepted)
    assert not any(f"Povpraševanje z eSoseske: Robot {i}" in sent_subjects for i in refused)
