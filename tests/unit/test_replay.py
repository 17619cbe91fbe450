"""A captured callback sent again is refused, and changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from registration_bridge import replay
from registration_bridge.models import SeenSignature, VerificationAttempt, utcnow
from registration_bridge.signing import HEADER, sign
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from ..figures import record
from .support import CLAIMS, VERIFY, count, sessions, verify_body


def test_the_same_signed_call_is_accepted_once(seeded, client):
    body = json.dumps(verify_body(request_id="r-1")).encode()
    headers = {HEADER: sign("unit-test-callback-secret", "POST", VERIFY, body)}
    first = client.post(VERIFY, data=body, headers=headers, content_type="application/json")
    again = client.post(VERIFY, data=body, headers=headers, content_type="application/json")
    assert first.status_code == 200 and first.get_json()["ok"] is True
    assert again.status_code == 401 and again.get_json() == {"error": "replayed"}
    record("replayed signed calls refused", "1 of 1 (the original accepted once)")
    assert count(seeded, VerificationAttempt) == 1


@pytest.mark.parametrize("extra", [",v1=deadbeef", ",v2=deadbeef", ",v2=" + "0" * 64, ",t=1", ","])
def test_a_captured_call_with_a_part_appended_is_refused_and_changes_nothing(seeded, client, extra):
    # the cache keys on the signature that verified, and a header with more than its two parts verifies nothing
    body = json.dumps(verify_body(request_id="r-1")).encode()
    header = sign("unit-test-callback-secret", "POST", VERIFY, body)
    first = client.post(VERIFY, data=body, headers={HEADER: header}, content_type="application/json")
    again = client.post(VERIFY, data=body, headers={HEADER: header + extra}, content_type="application/json")
    assert first.status_code == 200
    assert again.status_code == 401 and again.get_json() == {"error": "invalid_signature"}
    assert count(seeded, VerificationAttempt) == 1 and count(seeded, SeenSignature) == 1


def test_the_same_form_sent_twice_is_two_calls(seeded, post_signed):
    # Keycloak gives every call its own request id, so a double-clicked submit is not a replay
    first = post_signed(VERIFY, verify_body(request_id="r-1"))
    second = post_signed(VERIFY, verify_body(request_id="r-2"))
    assert (first.status_code, second.status_code) == (200, 200)


def test_signatures_past_the_tolerance_are_forgotten(seeded, post_signed, monkeypatch):
    # the cache must not grow forever: entries older than twice the tolerance can not be replayed anyway
    post_signed(VERIFY, verify_body(request_id="old"))
    with sessions(seeded)() as s:
        s.execute(update(SeenSignature).values(at=utcnow() - timedelta(hours=1)))
        s.commit()
    monkeypatch.setattr(replay, "_last_prune", float("-inf"))
    post_signed(VERIFY, verify_body(request_id="new"))
    assert count(seeded, SeenSignature) == 1


def _send_twice(client, path: str, payload: dict):
    body = json.dumps(payload).encode()
    headers = {HEADER: sign("unit-test-callback-secret", "POST", path, body)}
    return [client.post(path, data=body, headers=headers, content_type="application/json") for _ in range(2)]


def test_a_refused_claim_is_still_one_use_of_its_signature(seeded, client):
    # 403 is an answer, not a failure: the call is used up even though it changed nothing else
    first, again = _send_twice(client, CLAIMS, {"ticket": "not-a-ticket", "user_id": "user-1"})
    assert first.status_code == 403 and first.get_json() == {"error": "invalid_ticket"}
    assert again.status_code == 401 and again.get_json() == {"error": "replayed"}


def test_a_call_that_failed_on_the_server_leaves_nothing_and_may_be_sent_again(seeded, client, monkeypatch):
    # the signature and the attempt row are one transaction: a 503 leaves neither,
    # so the same call sent again is not a replay
    from registration_bridge.payer_registry import PayerRegistry

    real_check = PayerRegistry.check

    def failing_once(self, *args):
        monkeypatch.setattr(PayerRegistry, "check", real_check)
        raise OperationalError("SELECT", {}, Exception("database went away"))

    monkeypatch.setattr(PayerRegistry, "check", failing_once)
    failed, retried = _send_twice(client, VERIFY, verify_body(request_id="r-1"))
    assert failed.status_code == 503 and failed.get_json() == {"error": "database_unavailable"}
    assert retried.status_code == 200 and retried.get_json()["ok"] is True
    assert count(seeded, SeenSignature) == 1 and count(seeded, VerificationAttempt) == 1
