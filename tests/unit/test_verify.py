"""POST /v1/registrations/verify: the payer check of the registration form."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from registration_bridge.models import Claim, VerificationAttempt

from .support import (
    NOT_VERIFIED_ANSWER,
    PAYERS,
    SEED_CSV,
    VERIFY,
    attempt_outcomes,
    claim,
    count,
    import_csv,
    verify_body,
)


def test_verified_payer_gets_a_ticket_and_the_attributes_to_link(seeded, post_signed):
    response = post_signed(VERIFY, verify_body())
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["ok"] is True
    assert isinstance(answer["ticket"], str) and answer["ticket"]
    assert answer["attributes"] == {"managers": ["staninvest"], "payer_accounts": ["staninvest:100200"]}
    assert attempt_outcomes(seeded) == ["verified"]


def test_verify_has_no_side_effect_besides_the_attempt_log(seeded, post_signed):
    post_signed(VERIFY, verify_body())
    assert count(seeded, Claim) == 0


@pytest.mark.parametrize(
    "typed", [" 100200 ", "100 200", "1 0 0 2 0 0", "\u00a0100200", "100\u202f200", "\ufeff100\u200b200"]
)
def test_payer_code_with_spaces_matches(seeded, post_signed, typed):
    answer = post_signed(VERIFY, verify_body(payer_code=typed)).get_json()
    assert answer["ok"] is True
    assert answer["attributes"]["payer_accounts"] == ["staninvest:100200"]


def test_bill_password_with_surrounding_blanks_matches_but_case_matters(seeded, post_signed):
    assert post_signed(VERIFY, verify_body(bill_password=f"  {PAYERS['100200']} ")).get_json()["ok"] is True
    assert post_signed(VERIFY, verify_body(bill_password=PAYERS["100200"].lower())).get_json() == NOT_VERIFIED_ANSWER


def test_bill_password_of_another_payer_does_not_verify(seeded, post_signed):
    answer = post_signed(VERIFY, verify_body(payer_code="100200", bill_password=PAYERS["100201"])).get_json()
    assert answer == NOT_VERIFIED_ANSWER


def test_unknown_payer_wrong_password_and_claimed_payer_look_the_same_but_are_logged_apart(seeded, post_signed):
    claim(seeded, "100201", "someone-else")
    unknown = post_signed(VERIFY, verify_body(payer_code="999999"))
    wrong = post_signed(VERIFY, verify_body(bill_password="not-the-password"))
    claimed = post_signed(VERIFY, verify_body(payer_code="100201", bill_password=PAYERS["100201"]))

    for response in (unknown, wrong, claimed):
        assert response.status_code == 200
        assert response.get_json() == NOT_VERIFIED_ANSWER
    assert unknown.data == wrong.data == claimed.data
    assert attempt_outcomes(seeded) == ["unknown_payer", "wrong_bill_password", "already_claimed"]


def test_unknown_manager_is_named(seeded, post_signed):
    answer = post_signed(VERIFY, verify_body(manager_id="nobody")).get_json()
    assert answer == {"ok": False, "errors": [{"field": "manager_id", "code": "unknown_manager"}]}
    assert attempt_outcomes(seeded) == ["unknown_manager"]


def test_attempt_records_the_client_ip(seeded, post_signed):
    post_signed(VERIFY, verify_body(client_ip="198.51.100.7"))
    with seeded.extensions["bridge.sessions"]() as s:
        assert s.query(VerificationAttempt.client_ip).scalar() == "198.51.100.7"


@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_fields_are_required(seeded, post_signed, empty):
    answer = post_signed(VERIFY, verify_body(manager_id=empty, payer_code=empty, bill_password=empty)).get_json()
    assert answer == {
        "ok": False,
        "errors": [
            {"field": "manager_id", "code": "required"},
            {"field": "payer_code", "code": "required"},
            {"field": "bill_password", "code": "required"},
        ],
    }
    assert count(seeded, VerificationAttempt) == 0


def test_a_payer_code_of_only_invisible_characters_is_required(seeded, post_signed):
    answer = post_signed(VERIFY, verify_body(payer_code="\u200b\ufeff")).get_json()
    assert answer == {"ok": False, "errors": [{"field": "payer_code", "code": "required"}]}
    assert count(seeded, VerificationAttempt) == 0


def test_only_the_empty_field_is_reported(seeded, post_signed):
    answer = post_signed(VERIFY, verify_body(bill_password="")).get_json()
    assert answer == {"ok": False, "errors": [{"field": "bill_password", "code": "required"}]}


INVALID_BODIES = {
    "unknown field": json.dumps({**verify_body(), "is_admin": "yes"}).encode(),
    "number instead of string": json.dumps({**verify_body(), "payer_code": 100200}).encode(),
    "list instead of string": json.dumps({**verify_body(), "manager_id": ["staninvest"]}).encode(),
    "missing required field": json.dumps(verify_body(bill_password=None)).encode(),
    "null required field": json.dumps({**verify_body(), "payer_code": None}).encode(),
    "over-long payer code": json.dumps(verify_body(payer_code="1" * 65)).encode(),
    "over-long bill password": json.dumps(verify_body(bill_password="x" * 129)).encode(),
    "over-long e-mail": json.dumps(verify_body(email="a" * 250 + "@x.si")).encode(),
    "newline in payer code": json.dumps(verify_body(payer_code="100200\nDROP")).encode(),
    "NUL in bill password": json.dumps(verify_body(bill_password="abc\u0000def")).encode(),
    "DEL in manager id": json.dumps(verify_body(manager_id="stan\u007finvest")).encode(),
    "not JSON": b"manager_id=staninvest&payer_code=100200",
    "JSON array": json.dumps([verify_body()]).encode(),
    "JSON string": b'"staninvest"',
    "truncated JSON": json.dumps(verify_body()).encode()[:-5],
    "invalid UTF-8": b'{"manager_id": "stan\xffinvest", "payer_code": "1", "bill_password": "x"}',
    "empty body": b"",
}


@pytest.mark.parametrize("raw", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_bodies_get_400_invalid_request_and_are_not_logged(seeded, post_signed, raw):
    response = post_signed(VERIFY, raw=raw)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert response.get_json()["problems"]
    assert count(seeded, VerificationAttempt) == 0


def test_longest_allowed_values_are_accepted(seeded, post_signed):
    response = post_signed(VERIFY, verify_body(payer_code="1" * 64, bill_password="x" * 128))
    assert response.status_code == 200
    assert response.get_json() == NOT_VERIFIED_ANSWER


def test_body_bigger_than_max_request_bytes_gets_413(seeded, post_signed):
    limit = seeded.extensions["bridge.settings"].max_request_bytes
    raw = json.dumps(verify_body(email="a@b.si", first_name="x" * limit)).encode()
    assert len(raw) > limit
    response = post_signed(VERIFY, raw=raw)
    assert response.status_code == 413
    assert count(seeded, VerificationAttempt) == 0


# --- the bill password is never kept -----------------------------------------------------------


def _database_bytes(tmp_path: Path) -> bytes:
    files = sorted(tmp_path.glob("bridge.sqlite3*"))  # the database, its WAL and shared memory
    assert files
    return b"".join(f.read_bytes() for f in files)


@pytest.mark.sqlite_only(reason="reads the SQLite database files byte by byte (WAL and free pages too)")
def test_bill_password_is_stored_nowhere_in_the_database(tmp_path, seeded, post_signed, caplog):
    caplog.set_level(logging.DEBUG)
    attempted = "Wr0ng-Guess-UNIQUE"
    unknown_payer_password = "Unknown-Payer-Pw-UNIQUE"
    post_signed(VERIFY, verify_body())
    post_signed(VERIFY, verify_body(bill_password=attempted))
    post_signed(VERIFY, verify_body(payer_code="424242", bill_password=unknown_payer_password))
    import_csv(seeded, "staninvest", SEED_CSV.replace(PAYERS["100201"].encode(), b"Changed-Pw-UNIQUE"))

    secrets = [*PAYERS.values(), attempted, unknown_payer_password, "Changed-Pw-UNIQUE"]
    for snapshot in (_database_bytes(tmp_path), _checkpointed(seeded, tmp_path)):
        # the search sees the data: holder names and payer codes are there
        assert b"Janez Kranjc" in snapshot and b"424242" in snapshot
        for secret in secrets:
            assert secret.encode("utf-8") not in snapshot, secret
    for secret in secrets:
        assert secret not in caplog.text


def _checkpointed(app, tmp_path: Path) -> bytes:
    app.extensions["bridge.engine"].dispose()  # the last connection closing folds the WAL into the file
    return _database_bytes(tmp_path)
