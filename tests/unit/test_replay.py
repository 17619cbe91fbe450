"""A captured callback sent again is refused, and changes nothing."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from registration_bridge import replay
from registration_bridge.models import SeenSignature, VerificationAttempt, utcnow
from registration_bridge.signing import HEADER, sign

from ..figures import record
from .support import VERIFY, count, sessions, verify_body


def test_the_same_signed_call_is_accepted_once(seeded, client):
    body = json.dumps(verify_body(request_id="r-1")).encode()
    headers = {HEADER: sign("unit-test-callback-secret", body)}
    first = client.post(VERIFY, data=body, headers=headers, content_type="application/json")
    again = client.post(VERIFY, data=body, headers=headers, content_type="application/json")
    assert first.status_code == 200 and first.get_json()["ok"] is True
    assert again.status_code == 401 and again.get_json() == {"error": "replayed"}
    record("replayed signed calls refused", "1 of 1 (the original accepted once)")
    assert count(seeded, VerificationAttempt) == 1


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
