"""Attacks on POST /v1/inquiries through the sender's name, with a real SMTP server (tests/unit/smtp_sink.py).

The mail the manager gets must name exactly the validated sender in Reply-To, as a mail program parses it
(email.utils.getaddresses on the bytes that arrived); a bad name is a 400 with a field error; no name is a 5xx.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils

import pytest

from ..hostile_names import ATTACKER, HOSTILE_NAMES, generated_names
from .smtp_sink import Received
from .support import make_settings
from .test_inquiries import CONTACT, MAIL_FROM, managers, send, smtp  # noqa: F401

SENDER = "ana@example.si"
MAX_NAME = 200


@pytest.fixture
def settings(database_url, smtp):
    """Mail to the local SMTP sink; limits high enough for the fuzz (the limits have their own tests)."""
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from=MAIL_FROM,
        inquiries_per_ip_per_hour=100_000,
        inquiries_per_hour=100_000,
    )


def reply_to(received: Received) -> list[tuple[str, str]]:
    """Reply-To as a mail program reads the raw message (not the library that wrote it): (shown name, address)."""
    raw = email.message_from_bytes(received.data, policy=email.policy.compat32)
    return [
        (str(email.header.make_header(email.header.decode_header(name))), address)
        for name, address in email.utils.getaddresses(raw.get_all("Reply-To", []))
    ]


def header_addresses(received: Received, header: str) -> list[str]:
    raw = email.message_from_bytes(received.data, policy=email.policy.compat32)
    return [address for _, address in email.utils.getaddresses(raw.get_all(header, []))]


@pytest.mark.parametrize("name", list(HOSTILE_NAMES.values()), ids=list(HOSTILE_NAMES))
def test_a_hostile_name_is_a_field_error_and_mails_nothing(send, smtp, name):
    response = send(name=name, email=SENDER)
    for received in smtp.received:  # what the manager's mail program would reply to
        assert [address for _, address in reply_to(received)] == [SENDER]
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False
    expected = "too_long" if len(name) > MAX_NAME else "invalid_characters"
    assert body["errors"] == [{"field": "name", "code": expected}]
    assert smtp.received == []


def test_generated_names_never_give_a_5xx_nor_a_second_reply_address(send, smtp):
    names = generated_names(600)
    statuses = []
    for name in names:
        before = len(smtp.received)
        response = send(name=name, email=SENDER, client_ip=None)
        statuses.append(response.status_code)
        if response.status_code == 202:
            (received,) = smtp.received[before:]
            assert [address for _, address in reply_to(received)] == [SENDER], name
        else:
            assert response.status_code == 400, (name, response.status_code)
            assert len(smtp.received) == before
    assert [s for s in statuses if s >= 500] == []
    sent = statuses.count(202)
    print(
        f"\nFIGURE bridge name fuzz: {len(names)} names, {sum(s >= 500 for s in statuses)} 5xx, "
        f"{sent} sent, Reply-To == sender in {sent} of {sent}"
    )


@pytest.mark.parametrize(
    "name",
    [
        "Ana Novak",
        "Žiga Čeč",
        "Jean-Luc O’Brien",
        "Ana (Staninvest)",
        "Novak & Novak",
        "Dr. Ana Marija Novak-Kranjc",
        "José Ñúñez",
        "Ана Новак",
        "李小龍",
        "A" * MAX_NAME,
    ],
)
def test_real_names_are_sent_with_exactly_the_sender_to_reply_to(send, smtp, name):
    response = send(name=name, email=SENDER, client_ip=None)
    assert response.status_code == 202, response.get_json()
    (received,) = smtp.received
    assert reply_to(received) == [(name, SENDER)]
    message = received.message
    assert message["Subject"] == f"Povpraševanje z eSoseske: {name}"
    assert header_addresses(received, "To") == [CONTACT]
    assert header_addresses(received, "From") == [MAIL_FROM]
    assert received.rcpt_to == [CONTACT]


def test_the_subject_and_body_carry_no_injected_lines(send, smtp):
    # a name that passes is one line: nothing in it can start a header or a line of the body
    assert send(name="Ana Novak", email=SENDER, message="Vrstica 1\nBcc: x@y.si").status_code == 202
    (received,) = smtp.received
    head, _, _ = received.data.partition(b"\r\n\r\n")
    assert b"Bcc" not in head
    assert ATTACKER.encode() not in received.data


def test_a_name_error_comes_with_the_other_field_errors(send, smtp):
    response = send(name=f"Ana, {ATTACKER}", email="ni-naslov")
    assert response.status_code == 400
    assert sorted((e["field"], e["code"]) for e in response.get_json()["errors"]) == [
        ("email", "invalid_email"),
        ("name", "invalid_characters"),
    ]
    assert smtp.received == []
