"""What operators see: JSON log lines that carry Keycloak's correlation id, and Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from registration_bridge.logs import CORRELATION_HEADER, JsonFormatter
from registration_bridge.metrics import exposition
from registration_bridge.settings import Settings, SettingsError

from .support import PAYERS, VERIFY, verify_body


@pytest.fixture
def json_log():
    """The bridge's log lines as the production handler writes them (JSON, formatted while the call runs)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("registration_bridge")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_check_is_logged_as_json_under_the_correlation_id_keycloak_sent(seeded, post_signed, json_log):
    response = post_signed(VERIFY, verify_body(), headers={CORRELATION_HEADER: "reg-7f3a"})
    assert response.headers[CORRELATION_HEADER] == "reg-7f3a"
    [line] = [entry for entry in json_log() if entry.get("event") == "payer_check"]
    assert line["correlation_id"] == "reg-7f3a"
    assert (line["level"], line["manager_id"], line["payer_code"], line["outcome"]) == (
        "INFO",
        "staninvest",
        "100200",
        "verified",
    )
    assert PAYERS["100200"] not in json.dumps(json_log())


def test_the_verify_and_the_claim_of_one_registration_share_its_id(seeded, post_signed, json_log):
    verified = post_signed(VERIFY, verify_body(), headers={CORRELATION_HEADER: "reg-1"}).get_json()
    post_signed(
        "/v1/registrations/claims",
        {"ticket": verified["ticket"], "user_id": "user-1"},
        headers={CORRELATION_HEADER: "reg-1"},
    )
    events = {entry["event"]: entry["correlation_id"] for entry in json_log() if "event" in entry}
    assert events == {"payer_check": "reg-1", "payer_claim": "reg-1"}


@pytest.mark.parametrize("sent", [None, "", "has spaces", "x" * 65, "semi;colon"])
def test_a_call_without_a_usable_id_gets_a_fresh_one(seeded, post_signed, sent):
    headers = {CORRELATION_HEADER: sent} if sent is not None else {}
    response = post_signed(VERIFY, verify_body(), headers=headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers[CORRELATION_HEADER])


def test_log_format_must_be_json_or_text():
    with pytest.raises(SettingsError, match="BRIDGE_LOG_FORMAT"):
        Settings.from_env({"BRIDGE_LOG_FORMAT": "xml"})


def metric(client, name: str, **labels: str) -> float:
    text = exposition()  # what the scraper's port serves (tests/unit/test_ports.py: under gunicorn)
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(rf"^{re.escape(name)}{{{re.escape(wanted)}}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_count_checks_by_outcome_and_time_the_calls(seeded, client, post_signed):
    verified = metric(client, "bridge_payer_checks_total", outcome="verified")
    wrong = metric(client, "bridge_payer_checks_total", outcome="wrong_bill_password")
    timed = metric(client, "bridge_request_duration_seconds_count", endpoint=VERIFY, status="200")
    post_signed(VERIFY, verify_body())
    post_signed(VERIFY, verify_body(bill_password="Napacno-1"))
    post_signed(VERIFY, verify_body(bill_password="Napacno-2"))
    assert metric(client, "bridge_payer_checks_total", outcome="verified") == verified + 1
    assert metric(client, "bridge_payer_checks_total", outcome="wrong_bill_password") == wrong + 2
    assert metric(client, "bridge_request_duration_seconds_count", endpoint=VERIFY, status="200") == timed + 3


def test_the_apps_port_has_no_metrics(client):
    assert client.get("/metrics").status_code == 404
