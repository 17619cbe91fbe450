"""A resident registers with the data on the bill, through the real Keycloak, bridge and mail catcher."""

from __future__ import annotations

import json
import uuid

import pytest

from ..figures import record
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless, Page, jwt_claims

pytestmark = pytest.mark.integration

NOT_VERIFIED_SL = "Šifre plačnika in gesla iz položnice ni bilo mogoče potrditi."


def users_with_email(admin, email: str) -> list[dict]:
    return [u for u in admin.get_users({"email": email, "exact": True}) if u.get("email") == email.lower()]


def register(browser: Browserless, values: dict, **auth_params: str) -> Page:
    return browser.submit(browser.open_registration(**auth_params), "kc-register-form", values)


def test_registration_form_asks_for_the_bill_data_in_slovenian(browser):
    page = browser.open_registration()
    labels = [
        " ".join(label.get_text().split()).rstrip(" *") for label in page.form("kc-register-form").find_all("label")
    ]
    assert labels[:9] == [
        "Ime",
        "Priimek",
        "E-naslov",
        "Telefonska številka",
        "Šifra plačnika",
        "Geslo iz položnice",
        "Upravnik",
        "Geslo",
        "Ponovno geslo",
    ]
    assert "Strinjam se s Splošnimi pogoji poslovanja in potrjujem seznanjenost s Pravili zasebnosti." in labels[9]
    options = {o["value"]: o.get_text(strip=True) for o in page.soup.select("select#managerId option") if o["value"]}
    assert options["staninvest"] == "Staninvest d.o.o."
    assert page.soup.select_one("#kc-submit").get_text(strip=True) == "REGISTRACIJA"


def test_registration_form_switches_to_english(browser):
    page = browser.open_registration(ui_locales="en")
    text = page.text
    assert "Payer code" in text and "Bill password" in text and "Property manager" in text


def test_resident_registers_activates_by_email_and_tokens_carry_the_links(
    stack, browser, admin, mail, resident, payer, portal_client
):
    page = register(browser, resident)
    assert resident["email"] in page.text, page.text[:1000]  # "we sent an e-mail to ..."

    message = mail.wait_for(resident["email"], "Potrdite svoj račun")
    activate = mail.links(message)["Aktiviraj račun"]
    after_click = browser.follow(activate)
    if not after_click.response.is_redirect:
        # a confirmation page in between: follow its link onwards
        proceed = after_click.soup.select_one("#kc-info-message a, a[href*='login-actions']")
        after_click = browser.follow(proceed["href"])
    browser.code_from(after_click)

    [user] = users_with_email(admin, resident["email"])
    assert user["emailVerified"] is True
    assert user["attributes"]["managers"] == ["staninvest"]
    assert user["attributes"]["payer_accounts"] == [f"staninvest:{payer['code']}"]
    assert user["attributes"]["phone_number"] == ["041 123 456"]
    assert "billPassword" not in json.dumps(user) and payer["bill_password"] not in json.dumps(user)

    fresh = Browserless(
        browser.keycloak_url,
        browser.realm,
        portal_client["client_id"],
        portal_client["redirect_uri"],
        client_secret=portal_client["secret"],
    )
    tokens = fresh.log_in(resident["email"], resident["password"])
    id_token = jwt_claims(tokens["id_token"])
    assert id_token["managers"] == ["staninvest"]
    assert id_token["payer_accounts"] == [f"staninvest:{payer['code']}"]
    assert id_token["phone_number"] == "041 123 456"
    access_token = jwt_claims(tokens["access_token"])
    assert access_token["managers"] == ["staninvest"]
    assert access_token["payer_accounts"] == [f"staninvest:{payer['code']}"]
    userinfo = fresh.userinfo(tokens["access_token"])
    assert userinfo["managers"] == ["staninvest"]
    assert userinfo["payer_accounts"] == [f"staninvest:{payer['code']}"]

    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    assert {"manager_id": "staninvest", "payer_code": payer["code"], "keycloak_user_id": user["id"]}.items() <= next(
        c for c in claims if c["payer_code"] == payer["code"]
    ).items()


def assert_kept_values_and_no_secrets(page: Page, values: dict) -> None:
    for name in ("firstName", "lastName", "email", "phone_number", "payerCode", "managerId"):
        assert page.field_value(name) == values[name], name
    for secret in ("password", "password-confirm", "billPassword"):
        assert not page.field_value(secret), f"{secret} was echoed back"
    assert values["billPassword"] not in page.response.text
    assert values["password"] not in page.response.text


@pytest.mark.parametrize("case", ["wrong bill password", "unknown payer code"])
def test_wrong_bill_data_is_refused_at_the_field_and_keeps_the_other_values(browser, admin, resident, case):
    values = dict(resident)
    if case == "wrong bill password":
        values["billPassword"] = "Napacno-123"
    else:
        values["payerCode"] = "999999999"
    page = register(browser, values)
    assert NOT_VERIFIED_SL in (page.field_error("billPassword") or ""), page.field_errors()
    assert page.soup.select_one("#billPassword")["aria-invalid"] == "true"
    assert_kept_values_and_no_secrets(page, values)
    assert users_with_email(admin, values["email"]) == []


def test_a_payer_already_claimed_gets_the_same_answer_and_no_second_account(stack, browser, admin, resident, payer):
    first = register(browser, resident)
    assert resident["email"] in first.text, first.field_errors() or first.text[:1000]
    [owner] = users_with_email(admin, resident["email"])

    second = dict(resident, email=f"marko.{uuid.uuid4().hex[:8]}@example.si", firstName="Marko")
    other_browser = Browserless(
        browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
    )
    page = register(other_browser, second)
    assert NOT_VERIFIED_SL in (page.field_error("billPassword") or "")
    assert_kept_values_and_no_secrets(page, second)
    assert users_with_email(admin, second["email"]) == []
    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    assert [c["keycloak_user_id"] for c in claims if c["payer_code"] == payer["code"]] == [owner["id"]]


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("phone_number", "041-123", "Vpišite telefonsko številko v formatu XXX XXX XXX"),
        ("password", "Ab1!xyz", "Geslo mora imeti vsaj 8 znakov."),
        ("password", "sonce-sije7", "Geslo mora vsebovati vsaj 1 veliko črko."),
        ("password-confirm", "Drugo-Geslo9", "Gesli se ne ujemata."),
        ("termsAccepted", None, "Za registracijo se morate strinjati s Splošnimi pogoji poslovanja"),
        ("payerCode", "", "Vpišite šifro plačnika s položnice."),
        ("managerId", "", "Izberite upravnika."),
    ],
)
def test_invalid_input_is_shown_at_its_field_and_creates_no_user(browser, admin, resident, field, value, expected):
    values = dict(resident)
    if value is None:
        values.pop(field)
    else:
        values[field] = value
        if field == "password":
            values["password-confirm"] = value
    page = register(browser, values)
    error_field = "password" if field == "password" else field
    assert expected in (page.field_error(error_field) or ""), page.field_errors()
    assert users_with_email(admin, values["email"]) == []


def test_bridge_down_means_try_again_later_and_no_user(stack, browser, admin, resident):
    page = browser.open_registration()
    stack.bridge.stop()
    try:
        result = browser.submit(page, "kc-register-form", resident)
        assert "Preverjanje podatkov s položnice trenutno ni na voljo" in (result.alert() or ""), result.text[:1500]
        assert users_with_email(admin, resident["email"]) == []
        record("fault: bridge down", "survived: 'try again later', no user")
    finally:
        stack.bridge.start().wait_ready()
    again = register(browser, resident)
    assert resident["email"] in again.text, again.field_errors() or again.text[:1000]
    assert len(users_with_email(admin, resident["email"])) == 1
