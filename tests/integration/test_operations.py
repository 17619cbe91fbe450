"""What an operator sees of a registration: one correlation id in both services' logs, and the bridge's metrics."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from .test_registration import register

pytestmark = pytest.mark.integration


def bridge_log_entries(stack) -> list[dict]:
    entries = []
    for line in (stack.settings.logs / "bridge.log").read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def wait_for(condition, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    return condition()


def test_one_registration_is_followed_across_keycloak_and_the_bridge_by_one_id(stack, browser, resident, payer):
    page = register(browser, resident)
    assert resident["email"] in page.text, page.field_errors() or page.text[:1000]

    def bridge_events() -> dict[str, dict]:
        return {
            e["event"]: e
            for e in bridge_log_entries(stack)
            if e.get("event") in ("payer_check", "payer_claim") and e.get("payer_code") == payer["code"]
        }

    events = wait_for(lambda: len(bridge_events()) == 2 and bridge_events())
    assert events, f"no check and claim of payer {payer['code']} in the bridge's JSON log"
    correlation_id = events["payer_check"]["correlation_id"]
    assert re.fullmatch(r"kc-[0-9a-f]{16}", correlation_id)
    assert events["payer_claim"]["correlation_id"] == correlation_id  # verify and claim: one registration
    keycloak_lines = [
        line
        for line in (stack.settings.logs / "keycloak.log").read_text(errors="replace").splitlines()
        if f"correlation_id={correlation_id}" in line
    ]
    assert any("payer check" in line and "verified=true" in line for line in keycloak_lines), keycloak_lines
    assert any("payer claim" in line and events["payer_claim"]["user_id"] in line for line in keycloak_lines)


def scrape(stack) -> str:
    response = requests.get(stack.settings.bridge_metrics_url, timeout=5)
    response.raise_for_status()
    return response.text


def checks_counted(text: str, outcome: str) -> float:
    match = re.search(rf'^bridge_payer_checks_total{{outcome="{outcome}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_add_up_the_work_of_every_gunicorn_worker(stack, browser, make_payer, resident):
    before = checks_counted(scrape(stack), "wrong_bill_password")
    for _ in range(6):  # separate connections: gunicorn's workers share them out
        other = make_payer()  # a new code each time, so no guessing delay turns the outcome into "delayed"
        page = register(browser, {**resident, "payerCode": other["code"], "billPassword": "Napacno-1"})
        assert page.field_error("billPassword")
    # every scrape, whichever worker answers it, sees all six
    for _ in range(4):
        assert checks_counted(scrape(stack), "wrong_bill_password") == before + 6
    text = scrape(stack)
    assert 'bridge_request_duration_seconds_count{endpoint="/v1/registrations/verify",status="200"}' in text
    # nothing of it on the port Keycloak calls, nor on the admin API's
    for url in (stack.settings.bridge_url, stack.settings.bridge_admin_url):
        assert requests.get(f"{url}/metrics", timeout=5).status_code == 404
