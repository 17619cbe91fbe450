"""Personal data in the bridge's logs is kept only so long: the running service deletes old rows and cuts old
client IPs, without touching what the guessing limits count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from registration_bridge import retention
from registration_bridge.guessing import network_key
from registration_bridge.models import AuditEntry, InquiryLog, PayerUnlock, VerificationAttempt, utcnow
from sqlalchemy import insert, select

from .support import (
    MANAGER_ID,
    NOT_VERIFIED_ANSWER,
    PAYERS,
    VERIFY,
    attempt_outcomes,
    make_settings,
    sessions,
    verify_body,
)


@pytest.fixture
def settings(database_url):
    # a pass on every request, so the test sees the one its request starts
    return make_settings(database_url, retention_pass_seconds=0, ip_max_failures_per_hour=4)


def attempt(at, ip, outcome="wrong_bill_password", code="555555"):
    return {
        "manager_id": MANAGER_ID,
        "payer_code": code,
        "outcome": outcome,
        "client_ip": ip,
        "client_network": network_key(ip),
        "at": at,
    }


def test_the_running_service_deletes_old_rows_and_cuts_old_ips(seeded, post_signed):
    now = utcnow()
    old, yesterday, recent = now - timedelta(days=31), now - timedelta(hours=25), now - timedelta(minutes=10)
    with sessions(seeded)() as s:
        s.execute(
            insert(VerificationAttempt),
            [
                attempt(old, "192.0.2.1"),
                attempt(yesterday, "198.51.100.77"),
                attempt(yesterday, "2001:db8:1:2:3::9"),
                attempt(yesterday, "::ffff:203.0.113.9"),
                attempt(yesterday, "junk <ana@example.si>"),
                *[attempt(recent, "198.51.100.7") for _ in range(3)],  # the last hour: counted, kept as it is
            ],
        )
        s.execute(
            insert(InquiryLog),
            [
                {"manager_id": MANAGER_ID, "client_ip": "192.0.2.1", "at": old},
                {"manager_id": MANAGER_ID, "client_ip": "2001:db8:aa:bb::1", "at": yesterday},
                {"manager_id": MANAGER_ID, "client_ip": "192.0.2.200", "at": recent},
            ],
        )
        s.execute(
            insert(PayerUnlock), [{"manager_id": MANAGER_ID, "payer_code": "1", "unlocked_by": "uprava", "at": old}]
        )
        s.execute(
            insert(AuditEntry),
            [
                {"actor": "uprava", "via": "cli", "action": "unlock", "manager_id": MANAGER_ID, "details": {}, "at": at}
                for at in (now - timedelta(days=400), old)
            ],
        )
        s.commit()

    assert post_signed(VERIFY, verify_body(bill_password=PAYERS["100200"], client_ip="192.0.2.50")).get_json()["ok"]
    retention.wait(seeded.extensions["bridge.engine"])  # the pass that request started, in its own thread

    with sessions(seeded)() as s:
        attempts = s.execute(
            select(VerificationAttempt.at, VerificationAttempt.client_ip, VerificationAttempt.client_network).order_by(
                VerificationAttempt.id
            )
        ).all()
        inquiries = s.scalars(select(InquiryLog.client_ip).order_by(InquiryLog.id)).all()
        unlocks = s.scalars(select(PayerUnlock.id)).all()
        audit = s.scalars(select(AuditEntry.action)).all()
    assert [(ip, network) for _, ip, network in attempts] == [
        ("198.51.100.0/24", "198.51.100.0/24"),
        ("2001:db8:1::/48", "2001:db8:1::/48"),
        ("203.0.113.0/24", "203.0.113.0/24"),
        (None, None),
        *[("198.51.100.7", "198.51.100.7")] * 3,
        ("192.0.2.50", "192.0.2.50"),
    ]
    assert inquiries == ["2001:db8:aa::/48", "192.0.2.200"]
    assert unlocks == []
    assert audit == ["unlock"]  # the audit log is kept longer (a year), the one of 31 days ago stays

    # the guessing limits still count the network's recent failures: 3 + this one reach its budget of 4
    assert (
        post_signed(VERIFY, verify_body(payer_code="1", bill_password="x", client_ip="198.51.100.7")).get_json()
        == NOT_VERIFIED_ANSWER
    )
    assert post_signed(VERIFY, verify_body(client_ip="198.51.100.7")).get_json() == NOT_VERIFIED_ANSWER
    assert attempt_outcomes(seeded)[-1] == "ip_throttled"


def test_a_pass_starts_only_once_a_period(seeded, settings):
    engine = seeded.extensions["bridge.engine"]
    slow = make_settings(settings.database_url, retention_pass_seconds=600)
    first = retention.maybe_start(engine, seeded.extensions["bridge.sessions"], slow)
    assert first is None  # the first one period after the process's first request
    again = retention.maybe_start(engine, seeded.extensions["bridge.sessions"], slow)
    assert again is None


def test_addresses_are_cut_to_their_24_or_48():
    assert retention.truncated_ip("198.51.100.77") == "198.51.100.0/24"
    assert retention.truncated_ip("::ffff:198.51.100.77") == "198.51.100.0/24"
    assert retention.truncated_ip("2001:db8:1:2:3:4:5:6") == "2001:db8:1::/48"
    assert retention.truncated_ip("not an address") is None
