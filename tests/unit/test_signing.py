"""Every callback must carry a fresh signature by the shared secret; anything else is refused and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from registration_bridge import create_app, signing
from registration_bridge.models import Claim, VerificationAttempt

from .support import CALLBACK_SECRET, CLAIMS, VERIFY, claims_by_payer, count, make_settings, verify_body

VECTOR = Path(__file__).resolve().parents[1] / "fixtures" / "signature-vector.json"


# --- the scheme itself ------------------------------------------------------------------------


def vector() -> dict:
    return json.loads(VECTOR.read_text(encoding="utf-8"))


def test_sign_reproduces_the_vector_shared_with_the_java_signer():
    v = vector()
    assert any(ord(ch) > 127 for ch in v["body"]), "the vector must exercise UTF-8 bodies"
    assert signing.sign(v["secret"], v["method"], v["path"], v["body"].encode("utf-8"), v["timestamp"]) == v["header"]


def test_the_vector_spells_out_the_signed_message():
    v = vector()
    assert v["signed_message"] == f"{v['timestamp']}\n{v['method']}\n{v['path']}\n{v['body']}"
    mac = hmac.new(v["secret"].encode(), v["signed_message"].encode("utf-8"), hashlib.sha256).hexdigest()
    assert v["header"] == f"t={v['timestamp']},v2={mac}"


def test_the_vector_is_accepted_at_its_own_time_for_its_own_call_only():
    v = vector()
    body, secrets = v["body"].encode("utf-8"), (v["secret"],)
    signature = v["header"].rsplit("=", 1)[1]
    assert signing.verify(v["header"], "POST", v["path"], body, secrets, 300, now=v["timestamp"] + 10) == signature
    assert signing.verify(v["header"], "POST", v["path"], body, secrets, 300, now=v["timestamp"] + 301) is None
    assert signing.verify(v["header"], "POST", "/v1/claims/sync", body, secrets, 300, now=v["timestamp"]) is None
    assert signing.verify(v["header"], "PUT", v["path"], body, secrets, 300, now=v["timestamp"]) is None
    assert signing.verify(v["header"], "POST", v["path"], body + b" ", secrets, 300, now=v["timestamp"]) is None


GOOD = signing.sign(CALLBACK_SECRET, "POST", VERIFY, b"{}", 1700000000)
T, V2 = GOOD.split(",")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "t=abc,v2=00",
        "v2=" + "0" * 64,
        "t=1700000000",
        "t=-5," + V2,
        "t=1700000000;" + V2,
        f"{GOOD},v2=deadbeef",
        f"{GOOD},v1=deadbeef",
        f"{GOOD},t=1700000000",
        f"{GOOD},{V2}",
        f"{V2},{T}",
        f"{GOOD},",
        f",{GOOD}",
        f" {GOOD}",
        f"{GOOD} ",
        f"{T}, {V2}",
        f"{T},{V2.upper()}",
        f"{GOOD},x=1",
        f"{GOOD}\x00",
        "t=\u00b2," + V2,
        "t=\u00c2\u00b2," + V2,
        "t=\u0661\u0667," + V2,
        "t=1\u00b2," + V2,
        f"t=+1700000000,{V2}",
        "t=" + "9" * 13 + "," + V2,
        "t=" + "9" * 10000 + "," + V2,
        f"{T},v2=" + V2[3:-1] + "\u00e9",
        f"{T},v1={V2[3:]}",  # the old scheme's part name, with the right value: there is no way back to v1
    ],
)
def test_malformed_headers_are_invalid_and_never_raise(header):
    assert signing.verify(header, "POST", VERIFY, b"{}", (CALLBACK_SECRET,), 10**12, now=1700000000) is None


def test_the_good_header_of_that_list_does_verify():
    # the list above is refused for its bends, not because its base header is wrong
    assert signing.verify(GOOD, "POST", VERIFY, b"{}", (CALLBACK_SECRET,), 300, now=1700000000) == V2[3:]


@pytest.mark.parametrize(
    "method, path",
    [("post", VERIFY), ("POST", "v1/x"), ("POST", "/v1/\nx"), ("POST", "/v1/\u017e"), ("PO ST", VERIFY), ("POST", "")],
)
def test_a_method_or_path_outside_the_scheme_never_verifies(method, path):
    with pytest.raises(ValueError):
        signing.sign(CALLBACK_SECRET, method, path, b"{}", 1700000000)
    assert signing.verify(GOOD, method, path, b"{}", (CALLBACK_SECRET,), 300, now=1700000000) is None


@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
        st.builds(
            lambda i, j, junk: GOOD[:i] + junk + GOOD[j:],
            st.integers(0, len(GOOD)),
            st.integers(0, len(GOOD)),
            st.text(max_size=8),
        ),
    )
)
@hypothesis_settings(max_examples=2000, deadline=None)
def test_property_no_header_but_the_signers_verifies_and_none_raises(header):
    # anything (text, raw bytes as the WSGI server hands them over, the good header bent at one place) is either
    # exactly the signer's header, or refused; the parse never raises
    result = signing.verify(header, "POST", VERIFY, b"{}", (CALLBACK_SECRET,), 10**12, now=1700000000)
    assert result is None or header == GOOD
    signing.parse(header)


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
    "signature of another endpoint": dict(signed_path="/v1/inquiries"),
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
        return client.post(
            VERIFY,
            data=body,
            content_type="application/json",
            headers={signing.HEADER: signing.sign(secret, "POST", VERIFY, body)},
        ).status_code

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
        response = app.test_client().post(
            VERIFY,
            data=body,
            content_type="application/json",
            headers={signing.HEADER: signing.sign("old-secret", "POST", VERIFY, body)},
        )
        assert response.status_code == 401
    finally:
        app.extensions["bridge.engine"].dispose()
