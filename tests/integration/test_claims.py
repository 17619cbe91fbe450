"""One payer, one account: claims hold under concurrent registrations and are repaired when users vanish."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..figures import record
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless, solved_captcha
from .test_registration import NOT_VERIFIED_SL, register, users_with_email

pytestmark = pytest.mark.integration

CLAIMED_MEANWHILE_SL = "Ta plačnik je bil ravnokar povezan z drugim računom"


def new_browser(browser: Browserless) -> Browserless:
    return Browserless(
        browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
    )


def payer_claims(stack, code: str) -> list[dict]:
    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    return [c for c in claims if c["payer_code"] == code]


def test_concurrent_registrations_of_one_payer_make_exactly_one_account(stack, browser, admin, resident, payer):
    attempts = [dict(resident, email=f"hkrati.{i}.{uuid.uuid4().hex[:6]}@example.si") for i in range(20)]
    pages = [(new_browser(browser), values) for values in attempts]
    opened = [(b, b.open_registration(), values) for b, values in pages]
    # each form's "Nisem robot" solved before the race (as each widget would be), so the posts start together
    opened = [(b, page, {**values, **solved_captcha(page, "kc-register-form")}) for b, page, values in opened]
    with ThreadPoolExecutor(len(opened)) as pool:
        results = list(pool.map(lambda item: item[0].submit(item[1], "kc-register-form", item[2]), opened))

    created = [values["email"] for values in attempts if users_with_email(admin, values["email"])]
    record("racing registrations of one payer → accounts", f"{len(attempts)} → {len(created)}")
    assert len(created) == 1, created
    for values, page in zip(attempts, results, strict=True):
        if values["email"] in created:
            continue
        # refused either by the check (payer already claimed) or by the claim itself, with the whole
        # registration rolled back
        assert NOT_VERIFIED_SL in (page.field_error("billPassword") or "") or CLAIMED_MEANWHILE_SL in page.text
    [claim] = payer_claims(stack, payer["code"])
    [owner] = users_with_email(admin, created[0])
    assert claim["keycloak_user_id"] == owner["id"]


def test_repair_releases_the_claim_of_a_deleted_user_so_the_payer_can_register_again(
    stack, browser, admin, resident, payer
):
    register(browser, resident)
    [user] = users_with_email(admin, resident["email"])
    stack.bridge.stop()  # the deletion can not reach the bridge: the claim is left behind
    try:
        admin.delete_user(user["id"])
    finally:
        stack.bridge.start().wait_ready()
    assert [c["keycloak_user_id"] for c in payer_claims(stack, payer["code"])] == [user["id"]]

    dry = run_bridge_cli(stack, "repair", "--dry-run", "--grace-minutes", "0")
    assert dry.returncode == 0, dry.stderr
    assert f"(dry run) released  user {user['id']}: staninvest:{payer['code']}" in dry.stdout
    assert payer_claims(stack, payer["code"]) != []

    repaired = run_bridge_cli(stack, "repair", "--grace-minutes", "0")
    assert repaired.returncode == 0, repaired.stderr
    assert f"released  user {user['id']}: staninvest:{payer['code']} (the user no longer exists)" in repaired.stdout
    assert payer_claims(stack, payer["code"]) == []

    again = dict(resident, email=f"nova.{uuid.uuid4().hex[:8]}@example.si")
    register(new_browser(browser), again)
    [new_owner] = users_with_email(admin, again["email"])
    assert [c["keycloak_user_id"] for c in payer_claims(stack, payer["code"])] == [new_owner["id"]]
