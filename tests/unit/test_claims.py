"""POST /v1/registrations/claims: the ticket from /verify is exchanged for payer → user, once per payer."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner
from registration_bridge.models import Claim
from registration_bridge.tickets import InvalidTicket, PayerRef, TicketIssuer

from .support import BILL_PASSWORD_KEY, CLAIMS, claims_by_payer, count


def test_ticket_from_verify_claims_the_payer_for_the_user(seeded, post_signed, ticket_for):
    response = post_signed(CLAIMS, {"ticket": ticket_for("100200"), "user_id": "user-1"})
    assert response.status_code == 201
    assert response.get_json() == {"status": "claimed", "payer_account": "staninvest:100200"}
    assert claims_by_payer(seeded) == {"100200": "user-1"}


def test_claiming_again_for_the_same_user_is_idempotent(seeded, post_signed, ticket_for):
    ticket = ticket_for("100200")
    post_signed(CLAIMS, {"ticket": ticket, "user_id": "user-1"})
    again = post_signed(CLAIMS, {"ticket": ticket, "user_id": "user-1"})
    assert again.status_code == 200
    assert again.get_json() == {"status": "already_yours", "payer_account": "staninvest:100200"}
    assert count(seeded, Claim) == 1


def test_another_user_can_not_claim_a_claimed_payer(seeded, post_signed, ticket_for):
    # Two registrations verified the same payer before either claimed it: the second one loses.
    first, second = ticket_for("100200"), ticket_for("100200")
    assert post_signed(CLAIMS, {"ticket": first, "user_id": "user-1"}).status_code == 201
    response = post_signed(CLAIMS, {"ticket": second, "user_id": "user-2"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "payer_already_claimed"}
    assert claims_by_payer(seeded) == {"100200": "user-1"}


def test_one_user_may_claim_two_payers(seeded, post_signed, ticket_for):
    assert post_signed(CLAIMS, {"ticket": ticket_for("100200"), "user_id": "user-1"}).status_code == 201
    assert post_signed(CLAIMS, {"ticket": ticket_for("100201"), "user_id": "user-1"}).status_code == 201
    assert claims_by_payer(seeded) == {"100200": "user-1", "100201": "user-1"}


@pytest.mark.parametrize(
    "forged",
    [
        "not-a-ticket",
        TicketIssuer("some-other-key", 600).issue(PayerRef("staninvest", "100200")),
        TicketIssuer(BILL_PASSWORD_KEY, 600).issue(PayerRef("staninvest", "100200"))[:-2] + "AA",
    ],
    ids=["garbage", "signed with another key", "tampered signature"],
)
def test_forged_ticket_is_refused(seeded, post_signed, forged):
    response = post_signed(CLAIMS, {"ticket": forged, "user_id": "user-1"})
    assert response.status_code == 403
    assert response.get_json() == {"error": "invalid_ticket"}
    assert count(seeded, Claim) == 0


def _issued_at(monkeypatch, unix_time: int, issue):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: unix_time)
    try:
        return issue()
    finally:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)


def test_expired_ticket_is_refused(seeded, post_signed, ticket_for, monkeypatch):
    ttl = seeded.extensions["bridge.settings"].ticket_ttl_seconds
    stale = _issued_at(monkeypatch, int(time.time()) - ttl - 5, lambda: ticket_for("100200"))
    fresh = _issued_at(monkeypatch, int(time.time()) - ttl + 30, lambda: ticket_for("100200"))

    response = post_signed(CLAIMS, {"ticket": stale, "user_id": "user-1"})
    assert response.status_code == 403
    assert response.get_json() == {"error": "invalid_ticket"}
    assert count(seeded, Claim) == 0
    assert post_signed(CLAIMS, {"ticket": fresh, "user_id": "user-1"}).status_code == 201


def test_ticket_of_a_payer_that_is_gone_is_a_conflict(seeded, post_signed):
    ticket = seeded.extensions["bridge.tickets"].issue(PayerRef("staninvest", "555555"))
    response = post_signed(CLAIMS, {"ticket": ticket, "user_id": "user-1"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "payer_unknown"}


@pytest.mark.parametrize(
    "body",
    [
        {"ticket": "x"},
        {"ticket": "x", "user_id": "u", "payer_code": "100200"},
        {"ticket": "x", "user_id": 7},
        {"ticket": "x", "user_id": "u" * 65},
    ],
    ids=["no user", "unknown field", "user id not a string", "user id too long"],
)
def test_invalid_claim_body_gets_400(seeded, post_signed, body):
    response = post_signed(CLAIMS, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


# --- the ticket issuer on its own ----------------------------------------------------------------


def test_ticket_round_trips_its_payer():
    issuer = TicketIssuer("key", 60)
    assert issuer.redeem(issuer.issue(PayerRef("staninvest", "100200"))) == PayerRef("staninvest", "100200")


def test_ticket_with_zero_ttl_expires_after_a_second(monkeypatch):
    issuer = TicketIssuer("key", 0)
    ticket = _issued_at(monkeypatch, int(time.time()) - 2, lambda: issuer.issue(PayerRef("staninvest", "100200")))
    with pytest.raises(InvalidTicket):
        issuer.redeem(ticket)
