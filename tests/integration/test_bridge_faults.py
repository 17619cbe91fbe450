"""When the bridge is slow or its database is gone, registration fails closed: "try again later", no user."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import pytest
import requests

from devstack.layout import free_port

from ..figures import record
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless
from .slow_proxy import SlowProxy
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration

UNAVAILABLE_SL = "Preverjanje podatkov s položnice trenutno ni na voljo"


@pytest.fixture
def slow_bridge(stack):
    """The bridge moved to another port, behind a proxy on its own port that holds POSTs back for 10 s.

    Keycloak's bridge URL and timeout (3 s) are server options read at start, so the slow bridge takes the place
    of the bridge rather than Keycloak being pointed elsewhere."""
    bridge_port = stack.settings.ports.bridge
    bind = stack.bridge.argv.index("--bind") + 1
    original = stack.bridge.argv[bind]
    stack.bridge.stop()
    moved = free_port()
    stack.bridge.argv[bind] = f"127.0.0.1:{moved}"
    proxy = SlowProxy(moved, post_delay=10, port=bridge_port)
    try:
        stack.bridge.start().wait_ready()  # its health check goes through the proxy: GETs are not held back
        yield proxy
    finally:
        stack.bridge.stop()
        proxy.close()
        stack.bridge.argv[bind] = original
        stack.bridge.start().wait_ready()


def test_a_slow_bridge_gets_try_again_later_within_the_timeout(stack, admin, browser, resident, slow_bridge):
    page = browser.open_registration()
    started = time.monotonic()
    result = browser.submit(page, "kc-register-form", resident)
    took = time.monotonic() - started
    assert UNAVAILABLE_SL in (result.alert() or ""), result.text[:1000]
    assert took < 3.0 + 3.0, f"the form answered after {took:.1f} s with a 3 s timeout"
    assert users_with_email(admin, resident["email"]) == []
    record("fault: bridge slower than the 3 s timeout", f"survived: 'try again later' after {took:.1f} s, no user")


def test_a_callback_secret_missing_from_the_vault_fails_closed_and_says_where_it_belongs(
    stack, admin, browser, resident
):
    """Keycloak reads the secret from its vault at each call: without the file, no call is signed or sent, the
    resident reads "try again later", no user is made, and the log names the missing vault file."""
    [secret_file] = stack.settings.keycloak_vault.glob("*_bridge-callback-secret")  # not the captcha's key
    secret = secret_file.read_text(encoding="utf-8")
    log = stack.settings.logs / "keycloak.log"
    seen = log.stat().st_size
    secret_file.unlink()
    try:
        result = register(browser, resident)
    finally:
        stack.write_vault_secret(secret)
    assert UNAVAILABLE_SL in (result.alert() or ""), result.text[:1000]
    assert users_with_email(admin, resident["email"]) == []
    with open(log, encoding="utf-8", errors="replace") as lines:
        lines.seek(seen)
        new_lines = lines.read()
    assert f"the file {secret_file.name} in --vault-dir" in new_lines, new_lines[-3000:]
    # with the file back, the next registration goes through
    again = dict(resident, email=f"vault.{uuid.uuid4().hex[:8]}@example.si")
    assert again["email"] in register(browser, again).text


def test_a_bridge_without_its_database_says_so_and_registration_waits(stack, admin, browser, resident):
    healthz = f"http://127.0.0.1:{stack.settings.ports.bridge}/healthz"
    stack.bridge.stop()
    original_url = stack.bridge.env["DATABASE_URL"]
    stack.bridge.env["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/unreachable"
    try:
        stack.bridge.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                health = requests.get(healthz, timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting (slowly, on a busy machine)
                time.sleep(0.3)
        assert health.status_code == 503 and health.json()["database"] == "unreachable"
        result = register(browser, resident)
        assert UNAVAILABLE_SL in (result.alert() or ""), result.text[:1000]
        assert users_with_email(admin, resident["email"]) == []
        record("fault: bridge without its database", "survived: /healthz 503, 'try again later', no user")
    finally:
        stack.bridge.stop()
        stack.bridge.env["DATABASE_URL"] = original_url
        stack.bridge.start().wait_ready()
    assert requests.get(healthz, timeout=5).status_code == 200


def test_a_bridge_killed_during_a_burst_leaves_whole_registrations_or_nothing(
    stack, browser, admin, make_payer, resident
):
    payers = [make_payer() for _ in range(12)]
    forms = [
        dict(
            resident,
            email=f"naval.{i}.{uuid.uuid4().hex[:6]}@example.si",
            payerCode=p["code"],
            billPassword=p["bill_password"],
        )
        for i, p in enumerate(payers)
    ]
    browsers = [
        Browserless(browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret)
        for _ in forms
    ]
    pages = [b.open_registration() for b in browsers]
    with ThreadPoolExecutor(len(forms)) as pool:
        futures = [
            pool.submit(b.submit, page, "kc-register-form", values)
            for b, page, values in zip(browsers, pages, forms, strict=True)
        ]
        wait(futures, return_when=FIRST_COMPLETED)  # the first registrations are through, the others under way
        os.killpg(stack.bridge.process.pid, signal.SIGKILL)  # no goodbye
        for future in futures:
            future.result()
    stack.bridge.stop()
    stack.bridge.start().wait_ready()
    time.sleep(2.5)  # older than any registration in flight (BRIDGE_ORPHAN_CLAIM_AGE_SECONDS=2 in the tests)

    completed = 0
    for values, payer in zip(forms, payers, strict=True):
        users = users_with_email(admin, values["email"])
        if users:  # completed: user, attributes and claim together
            [user] = users
            assert user["attributes"]["payer_accounts"] == [f"staninvest:{payer['code']}"]
            assert claim_holder(stack, payer["code"]) == user["id"]
            completed += 1
        else:  # left nothing that blocks: the same payer registers now
            retry = dict(values, email=f"znova.{values['email']}")
            register(
                Browserless(
                    browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
                ),
                retry,
            )
            [user] = users_with_email(admin, retry["email"])
            assert claim_holder(stack, payer["code"]) == user["id"]
    record(
        "fault: bridge killed during a burst of registrations",
        f"survived: {completed} of {len(forms)} complete, {len(forms) - completed} left nothing and "
        "registered again after the restart",
    )


def claim_holder(stack, payer_code: str) -> str | None:
    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    holders = [c["keycloak_user_id"] for c in claims if c["payer_code"] == payer_code]
    assert len(holders) <= 1
    return holders[0] if holders else None
