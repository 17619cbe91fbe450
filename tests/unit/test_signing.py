"""Every callback must carry a fresh signature by the shared secret; anything else is refused and changes nothing."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from registration_bridge import create_app, signing
from registration_bridge.models import Claim, VerificationAttempt

from .support import CALLBACK_SECRET, CLAIMS, VERIFY, claims_by_payer, count, make_settings, verify_body

VECTOR = Path(__file__).resolve().parents[1] / "fixtures" / "signature-vector.json"


# --- the scheme itself ------------------------------------------------------------------------

def test_sign_reproduces_the_vector_shared_with_the_java_signer():
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    assert any(ord(ch) > 127 for ch in vector["body"]), "the vector must exercise UTF-8 bodies"
    assert signing.sign(vector["secret"], vector["body"].encode("utf-8"), vector["timestamp"]) == vector["header"]


def test_the_vector_is_accepted_at_its_own_time_and_refused_much_later():
    vector = json.loads(VECTOR.read_text(encoding="utf-8"))
    body = vector["body"].encode("utf-8")
    assert signing.is_valid(vector["header"], body, (vector["secret"],), 300, now=vector["timestamp"] + 10)
    assert not signing.is_valid(vector["header"], body, (vector["secret"],), 300, now=vector["timestamp"] + 301)


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=-5,v1=00",
                                    "t=1700000000;v1=00"])
def test_malformed_headers_are_invalid(header):
    assert not signing.is_valid(header, b"{}", (CALLBACK_SECRET,), 10**12, now=1700000000)


def test_one_wrong_candidate_besides_the_right_one_still_verifies():
    # Several v1= values are allowed (e.g. a signer that sends both secrets during rotation).
    body = b"{}"
    good = signing.signature(CALLBACK_SECRET, 1700000000, body)
    assert signing.is_valid(f"t=1700000000,v1={'0' * 64},v1={good}", body, (CALLBACK_SECRET,), 300, now=1700000000)


# --- the callbacks refuse unsigned calls --------------------------------------------------------

def test_correctly_signed_verify_is_answered(seeded, post_signed):
    response = post_signed(VERIFY, verify_body())
    assert response.status_code == 200
    assert response.get_json()["ok"] is True


REFUSALS = {
    "missing header": dict(signature=""),
    "wrong secret": dict(secret="not-the-shared-secret"),
    # timestamps relative to when the test runs, not to when the module was collected
    "stale timestamp": dict(timestamp=lambda: int(time.time()) - 301 - 60),
    "timestamp from the future": dict(timestamp=lambda: int(time.time()) + 301 + 60),
    "signature of another body": dict(signed_body=json.dumps(verify_body(payer_code="100201")).encode()),
    "garbage header": dict(signature="t=now,v1=please"),
}


@pytest.mark.parametrize("bend", REFUSALS.values(), ids=REFUSALS.keys())
def test_unsigned_or_badly_signed_verify_is_refused_and_leaves_no_attempt(seeded, post_signed, bend):
    response = post_signed(VERIFY, verify_body(), **bend)
    assert response.status_code == 401
    assert response.get_json() == {"error": "invalid_signature"}
    assert count(seeded, VerificationAttempt) == 0


@pytest.mark.parametrize("bend", REFUSALS.values(), ids=REFUSALS.keys())
def test_badly_signed_claim_with_a_valid_ticket_claims_nothing(seeded, post_signed, ticket_for, bend):
    body = {"ticket": ticket_for("100200"), "user_id": "user-1"}
    if "signed_body" in bend:
        bend = dict(signed_body=json.dumps({"ticket": body["ticket"], "user_id": "user-2"}).encode())
    response = post_signed(CLAIMS, body, **bend)
    assert response.status_code == 401
    assert count(seeded, Claim) == 0
    assert claims_by_payer(seeded) == {}


def test_signature_is_checked_before_the_body_is_read(seeded, post_signed):
    # An unsigned nonsense body gets 401, not 400: strangers learn nothing about the body format.
    response = post_signed(VERIFY, raw=b"not json", signature="")
    assert response.status_code == 401


def test_previous_secret_is_accepted_while_rotating(database_url):
    app = create_app(make_settings(database_url, callback_secret="new-secret", callback_secret_previous="old-secret"))
    client = app.test_client()
    body = json.dumps(verify_body(manager_id="nobody")).encode()

    def status(secret):
        return client.post(VERIFY, data=body, content_type="application/json",
                           headers={signing.HEADER: signing.sign(secret, body)}).status_code

    try:
        assert status("new-secret") == 200
        assert status("old-secret") == 200
        assert status("some-other-secret") == 401
    finally:
        app.extensions["bridge.engine"].dispose()


def test_previous_secret_is_refused_once_rotation_is_over(database_url):
    app = create_app(make_settings(database_url, callback_secret="new-secret"))
    body = json.dumps(verify_body()).encode()
    try:
        response = app.test_client().post(VERIFY, data=body, content_type="application/json",
                                          headers={signing.HEADER: signing.sign("old-secret", body)})
        assert response.status_code == 401
    finally:
        app.extensions["bridge.engine"].dispose()
