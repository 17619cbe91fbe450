"""A 5xx leaves nothing behind: for each endpoint that writes, the step after its first write fails, and the answer
is a JSON server error while the database holds nothing of the request (docs/bridge-transactions.md).

What each one writes, and so what must not be there after its 5xx: verify an attempt row (and, when it releases an
orphan claim, that claim's removal); a claim its claim row; claim sync the release of claims; an inquiry its row of
the inquiry log; a payer upload its payers and its audit entry; every signed callback its replay-cache row. For
contrast, a refusal (a 4xx or an "ok": false) keeps what it wrote: the attempt row of a refused check, the audit
entry of a rejected list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from registration_bridge import context, metrics, tickets
from registration_bridge.api import claims as claims_api
from registration_bridge.api import inquiries as inquiries_api
from registration_bridge.api import registrations
from registration_bridge.audit import AuditLog
from registration_bridge.models import AuditEntry, Claim, InquiryLog, Payer, SeenSignature, VerificationAttempt
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .smtp_sink import SmtpSink
from .support import (
    CLAIMS,
    MANAGER_ID,
    NOT_VERIFIED_ANSWER,
    PAYERS,
    VERIFY,
    add_manager,
    claim,
    claims_by_payer,
    count,
    make_settings,
    payers,
    sessions,
    verify_body,
)
from .tokens import JWKS_URL, KEYCLOAK_INTERNAL, KEYCLOAK_PUBLIC, SigningKey, access_claims, bearer, jwks

CONTACT = "uprava@staninvest.si"
NEW_CSV = b"payer_code,bill_password\n300400,Nova-Polozn1ca-9z\n"


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def settings(database_url, smtp):
    return make_settings(
        database_url,
        keycloak_url=KEYCLOAK_INTERNAL,
        keycloak_public_url=KEYCLOAK_PUBLIC,
        jwks_min_refetch_seconds=0,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from="noreply@esoseska.test",
    )


@pytest.fixture
def served(seeded):
    """The seeded app answering as it does in production: an exception becomes a 500, not a test's traceback."""
    seeded.config["PROPAGATE_EXCEPTIONS"] = False
    return seeded


def fail(*_args, **_kwargs):
    raise RuntimeError("the step after the first write failed")


def assert_server_error(response, status: int = 500, error: str = "internal_server_error") -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json()["error"] == error
    assert "Traceback" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


# --- verify: the attempt row survives a refusal, not a 500 ----------------------------------------------


def test_a_refused_check_keeps_its_attempt_row_and_its_signature(served, post_signed):
    assert post_signed(VERIFY, verify_body(bill_password="Napacno-1")).get_json() == NOT_VERIFIED_ANSWER
    assert (count(served, VerificationAttempt), count(served, SeenSignature)) == (1, 1)


def test_a_check_that_fails_after_its_attempt_row_leaves_nothing(served, post_signed, monkeypatch):
    monkeypatch.setattr(tickets.TicketIssuer, "issue", fail)  # after the check wrote its attempt row
    assert_server_error(post_signed(VERIFY, verify_body()))
    assert (count(served, VerificationAttempt), count(served, SeenSignature)) == (0, 0)


def test_a_check_that_released_an_orphan_claim_and_then_failed_keeps_the_claim(served, post_signed, monkeypatch):
    claim(served, "100200", "gone")
    with sessions(served)() as s:
        for old_claim in s.scalars(select(Claim)):  # older than any registration in flight
            old_claim.claimed_at = old_claim.claimed_at - timedelta(minutes=2)
        s.commit()
    monkeypatch.setattr(context, "_keycloak_user_exists", lambda _user_id: False)  # Keycloak: no such user
    monkeypatch.setattr(tickets.TicketIssuer, "issue", fail)  # the orphan released, the payer verified: then this
    assert_server_error(post_signed(VERIFY, verify_body()))
    assert claims_by_payer(served) == {"100200": "gone"}
    assert (count(served, VerificationAttempt), count(served, SeenSignature)) == (0, 0)


def test_a_check_whose_commit_fails_answers_503_and_keeps_nothing(served, post_signed, monkeypatch):
    def database_gone(_session):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", database_gone)
    response = post_signed(VERIFY, verify_body())
    monkeypatch.undo()
    assert_server_error(response, 503, "database_unavailable")  # not the view's "ok": true with a ticket
    assert (count(served, VerificationAttempt), count(served, SeenSignature)) == (0, 0)


# --- claims ---------------------------------------------------------------------------------------------


def test_a_claim_that_fails_after_its_row_leaves_the_payer_free(served, post_signed, ticket_for, monkeypatch):
    ticket = ticket_for("100200")
    monkeypatch.setattr(registrations, "format_account", fail)  # after the claim's row went in
    assert_server_error(post_signed(CLAIMS, {"ticket": ticket, "user_id": "u-1"}))
    assert count(served, Claim) == 0
    assert count(served, SeenSignature) == 1  # the verify's only: the claim's call may be sent again


def test_a_claim_sync_that_fails_after_releasing_releases_nothing(served, post_signed, monkeypatch):
    claim(served, "100200", "u-1")
    monkeypatch.setattr(claims_api, "jsonify", fail)  # after the claim was released
    assert_server_error(post_signed("/v1/claims/sync", {"user_id": "u-1", "payer_accounts": []}))
    assert claims_by_payer(served) == {"100200": "u-1"}
    assert count(served, SeenSignature) == 0


# --- inquiries -----------------------------------------------------------------------------------------


@pytest.fixture
def with_contact(served):
    add_manager(served, MANAGER_ID, "Staninvest d.o.o.", CONTACT)
    return served


INQUIRY = {"manager_id": MANAGER_ID, "name": "Ana Novak", "email": "ana@example.si", "message": "Kdaj?"}


def test_an_inquiry_whose_mail_fails_leaves_no_log_row(with_contact, post_signed, smtp):
    smtp.refuse_data = True
    assert_server_error(post_signed("/v1/inquiries", INQUIRY), 503, "mail_unavailable")
    assert (count(with_contact, InquiryLog), count(with_contact, SeenSignature)) == (0, 0)


def test_an_inquiry_that_fails_after_its_mail_leaves_no_log_row(with_contact, post_signed, smtp, monkeypatch):
    monkeypatch.setattr(inquiries_api, "jsonify", fail)  # after the log row and the mail
    assert_server_error(post_signed("/v1/inquiries", INQUIRY))
    assert (count(with_contact, InquiryLog), count(with_contact, SeenSignature)) == (0, 0)
    assert len(smtp.received) == 1  # the one thing a 5xx can not take back (docs/bridge-transactions.md)


# --- the admin API's payer upload ----------------------------------------------------------------------


@pytest.fixture
def staff_headers():
    key = SigningKey()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as keycloak:
        keycloak.get(JWKS_URL, json=jwks(key))
        yield bearer(key.sign(access_claims(groups=[f"/manager-staff/{MANAGER_ID}"])))


def upload(client, headers: dict, data: bytes = NEW_CSV):
    return client.post(f"/v1/managers/{MANAGER_ID}/payers", data=data, headers=headers, content_type="text/csv")


def audit_actions(app) -> list[str]:
    with sessions(app)() as s:
        return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_upload_that_fails_after_its_import_keeps_neither_payers_nor_audit_entry(
    served, client, staff_headers, monkeypatch
):
    monkeypatch.setattr(metrics, "record_import", fail)  # after the payers and the audit entry were written
    assert_server_error(upload(client, staff_headers))
    assert sorted(payers(served)) == ["100200", "100201"]
    assert audit_actions(served) == []


def test_an_upload_whose_audit_entry_fails_keeps_no_payers(served, client, staff_headers, monkeypatch):
    def database_gone(*_args):
        raise OperationalError("INSERT INTO audit_log", {}, Exception("server closed the connection"))

    monkeypatch.setattr(AuditLog, "record", database_gone)
    assert_server_error(upload(client, staff_headers), 503, "database_unavailable")
    assert sorted(payers(served)) == ["100200", "100201"]
    assert count(served, Payer) == 2


def test_a_rejected_upload_keeps_its_audit_entry_and_none_of_its_rows(served, client, staff_headers):
    response = upload(client, staff_headers, NEW_CSV + b"300401,\n")
    assert response.status_code == 400
    assert sorted(payers(served)) == ["100200", "100201"]
    assert audit_actions(served) == ["import_payers_rejected"]
