"""POST /v1/inquiries and the InquiryDesk: an inquiry from the "Povpraševanje" page, e-mailed to the manager.

The mail goes to a real SMTP server on a local port (tests/unit/smtp_sink.py), not to a mock of smtplib.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from registration_bridge.inquiries import Inquiry, InquiryDesk, MailFailed, RateLimited
from registration_bridge.models import InquiryLog, Manager, utcnow
from sqlalchemy import select

from .smtp_sink import SmtpSink
from .support import MANAGER_ID, MANAGER_NAME, add_manager, count, make_settings, sessions

INQUIRIES = "/v1/inquiries"
CONTACT = "uprava@staninvest.si"
MAIL_FROM = "noreply@esoseska.test"
NO_INQUIRIES_ID = "domovanje"  # a manager without a contact address
PER_IP = 2
OVERALL = 4
IP = "198.51.100.7"


def inquiry_body(**overrides) -> dict:
    """A body as Keycloak's inquiry page sends it; a None override leaves the field out."""
    body = {
        "manager_id": MANAGER_ID,
        "name": "Ana Novak",
        "email": "ana@example.si",
        "message": "Zanima me, kdaj bo letni obračun stroškov.",
        "client_ip": IP,
        "locale": "sl",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def settings(database_url, smtp):
    """The conftest's settings, with mail going to the local SMTP sink and small limits."""
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from=MAIL_FROM,
        inquiries_per_ip_per_hour=PER_IP,
        inquiries_per_hour=OVERALL,
    )


@pytest.fixture
def managers(app):
    add_manager(app, MANAGER_ID, MANAGER_NAME, CONTACT)
    add_manager(app, NO_INQUIRIES_ID, "Domovanje d.o.o.")
    return app


@pytest.fixture
def send(managers, post_signed):
    def post(**overrides):
        return post_signed(INQUIRIES, inquiry_body(**overrides))

    return post


def log_rows(app, *ages: timedelta, client_ip: str | None = IP) -> None:
    """Inquiries that were sent this long ago (as the rate limit sees them)."""
    with sessions(app)() as s:
        s.add_all(InquiryLog(manager_id=MANAGER_ID, client_ip=client_ip, at=utcnow() - age) for age in ages)
        s.commit()


# --- a sent inquiry --------------------------------------------------------------------------------


def test_inquiry_is_accepted_with_the_managers_name(send):
    response = send()
    assert response.status_code == 202
    assert response.get_json() == {"ok": True, "manager_name": MANAGER_NAME}


def test_inquiry_is_mailed_to_the_managers_contact_address_only(send, smtp):
    send()
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail.mail_from == MAIL_FROM
    assert mail.rcpt_to == [CONTACT]  # the sender's address gets nothing: no open relay for anonymous visitors
    assert mail.message["To"].addresses[0].addr_spec == CONTACT
    assert mail.message["To"].addresses[0].display_name == MANAGER_NAME
    assert mail.message["From"].addresses[0].addr_spec == MAIL_FROM


def test_the_manager_replies_to_the_sender(send, smtp):
    send(name="Ana Novak", email="ana@example.si")
    reply_to = smtp.received[0].message["Reply-To"].addresses
    assert [(a.display_name, a.addr_spec) for a in reply_to] == [("Ana Novak", "ana@example.si")]


def test_subject_names_the_sender_even_with_slovenian_letters(send, smtp):
    send(name="Žiga Čeč")
    assert smtp.received[0].message["Subject"] == "Povpraševanje z eSoseske: Žiga Čeč"


def test_the_message_is_in_the_body_with_its_line_breaks(send, smtp):
    message = "Pozdravljeni,\r\n\r\nv kleti teče voda.\r\n\tHvala,\nAna"
    assert send(message=message).status_code == 202
    body = smtp.received[0].body
    assert "Pozdravljeni,\n\nv kleti teče voda.\n\tHvala,\nAna" in body
    assert "ana@example.si" in body


def test_the_mail_has_an_html_part_with_the_managers_logo_and_the_message(send, smtp):
    logo = "https://www.staninvest.example/logo.png"
    assert send(message="Pozdravljeni,\nkdaj?", logo_url=logo, brand_colour="#1f5f8b").status_code == 202
    html = smtp.received[0].html
    assert html is not None and "<style" not in html
    assert 'role="presentation"' in html
    assert f'<img src="{logo}" alt="{MANAGER_NAME}"' in html
    assert "Pozdravljeni,<br>kdaj?" in html
    assert "background-color:#f2f4f7;border-left:4px solid #1f5f8b" in html


def test_what_the_visitor_typed_is_text_in_the_html_part(send, smtp):
    send(message='<a href="https://phish.example">Plačaj</a> & <script>x()</script>')
    html = smtp.received[0].html
    assert "<script>" not in html and 'href="https://phish.example"' not in html
    assert "&lt;a href=&quot;https://phish.example&quot;&gt;Plačaj&lt;/a&gt; &amp; &lt;script&gt;" in html


@pytest.mark.parametrize("logo", ["javascript:alert(1)", "/relative/logo.png", 'https://x.example/" onerror="x'])
def test_a_logo_that_is_not_a_web_address_gives_the_managers_name_instead(send, smtp, logo):
    send(logo_url=logo, brand_colour="red")
    html = smtp.received[0].html
    assert "<img" not in html and 'onerror="' not in html
    assert f">{MANAGER_NAME}</p>" in html
    assert "#0b5cad" in html


@pytest.mark.parametrize(
    ("name", "code"),
    [("Ana\nNovak", "invalid_characters"), ("Ana\x07Novak", "invalid_characters"), ("A" * 201, "too_long")],
)
def test_a_name_that_can_not_be_a_display_name_is_a_field_error(send, smtp, managers, name, code):
    response = send(name=name)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": [{"field": "name", "code": code}]}
    assert smtp.received == []
    assert count(managers, InquiryLog) == 0


def test_a_long_message_arrives_whole(send, smtp):
    message = " ".join(["dolga vrstica brez preloma"] * 80)[:2000]
    assert len(message) == 2000
    assert send(message=message).status_code == 202
    assert message in smtp.received[0].body


def test_blanks_around_the_fields_are_dropped(send, smtp):
    assert (
        send(
            manager_id=f" {MANAGER_ID} ", name="  Ana Novak ", email=" ana@example.si ", message="\n  Vprašanje  \n"
        ).status_code
        == 202
    )
    mail = smtp.received[0].message
    assert mail["Subject"] == "Povpraševanje z eSoseske: Ana Novak"
    assert mail["Reply-To"].addresses[0].addr_spec == "ana@example.si"


@pytest.mark.sqlite_only(reason="reads the SQLite database files byte by byte")
def test_the_message_is_kept_nowhere_but_in_the_mail(tmp_path, send, smtp, managers, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Skrivnost-UNIQUE-4411"
    assert send(message=f"Moje vprašanje: {secret}").status_code == 202
    assert secret in smtp.received[0].body
    managers.extensions["bridge.engine"].dispose()  # the last connection closing folds the WAL into the file
    stored = b"".join(f.read_bytes() for f in sorted(tmp_path.glob("bridge.sqlite3*")))
    assert IP.encode() in stored  # the search sees the log row
    assert secret.encode() not in stored
    assert secret not in caplog.text
    with sessions(managers)() as s:
        assert [(r.manager_id, r.client_ip) for r in s.scalars(select(InquiryLog))] == [(MANAGER_ID, IP)]


def test_the_manager_list_does_not_reveal_contact_addresses(managers, client):
    response = client.get("/v1/managers")
    assert response.status_code == 200
    assert CONTACT not in response.get_data(as_text=True)


# --- what the visitor can fix ----------------------------------------------------------------------


def test_empty_fields_are_each_required(send, smtp):
    response = send(manager_id="", name="", email="", message="")
    assert response.status_code == 400
    assert response.get_json() == {
        "ok": False,
        "errors": [
            {"field": "manager_id", "code": "required"},
            {"field": "name", "code": "required"},
            {"field": "email", "code": "required"},
            {"field": "message", "code": "required"},
        ],
    }
    assert smtp.received == []


def test_blank_fields_are_required(send):
    errors = send(name="   ", message=" \n\t ").get_json()["errors"]
    assert errors == [{"field": "name", "code": "required"}, {"field": "message", "code": "required"}]


@pytest.mark.parametrize(
    "email", ["ana", "ana@", "ana@example", "@example.si", "ana novak@example.si", "ana@example .si", "ana@@example.si"]
)
def test_an_address_that_is_not_one_is_invalid(send, smtp, email):
    response = send(email=email)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": [{"field": "email", "code": "invalid_email"}]}
    assert smtp.received == []


@pytest.mark.parametrize("email", ["x,y@evil.com", "a<b@x.si", '"a"@x.si', "žan@primer.si", "ana@primer.šk"])
def test_an_address_a_reply_could_not_reach_is_refused_not_mangled(send, smtp, email):
    response = send(email=email)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": [{"field": "email", "code": "invalid_email"}]}
    assert smtp.received == []


def test_line_breaks_sent_as_crlf_count_once_against_the_limit(send, smtp):
    message = ("x" * 99 + "\r\n") * 19 + "x" * 100  # 2000 characters as the page counts them
    assert send(message=message).status_code == 202


def test_a_message_over_2000_characters_is_too_long(send, smtp, managers):
    response = send(message="č" * 2001)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": [{"field": "message", "code": "too_long"}]}
    assert smtp.received == []
    assert send(message="č" * 2000).status_code == 202


def test_an_unknown_manager_is_reported(send, smtp):
    response = send(manager_id="nobody")
    assert response.get_json() == {"ok": False, "errors": [{"field": "manager_id", "code": "unknown_manager"}]}
    assert smtp.received == []


def test_a_manager_without_a_contact_address_takes_no_inquiries(send, smtp):
    response = send(manager_id=NO_INQUIRIES_ID)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "errors": [{"field": "manager_id", "code": "no_inquiries"}]}
    assert smtp.received == []


def test_several_field_errors_come_together(send):
    errors = send(manager_id="nobody", email="ana", message="x" * 2001).get_json()["errors"]
    assert sorted((e["field"], e["code"]) for e in errors) == [
        ("email", "invalid_email"),
        ("manager_id", "unknown_manager"),
        ("message", "too_long"),
    ]


def test_refused_inquiries_do_not_count_against_the_limit(send, managers):
    for _ in range(PER_IP + 1):
        send(email="not-an-address")
    assert count(managers, InquiryLog) == 0
    assert send().status_code == 202


# --- rate limits -----------------------------------------------------------------------------------


def test_too_many_inquiries_from_one_address_are_refused(send, smtp):
    for _ in range(PER_IP):
        assert send(client_ip=IP).status_code == 202
    response = send(client_ip=IP)
    assert response.status_code == 429
    assert response.get_json() == {"error": "rate_limited"}
    assert len(smtp.received) == PER_IP


def test_the_limit_of_one_address_does_not_stop_another(send):
    for _ in range(PER_IP):
        send(client_ip=IP)
    assert send(client_ip=IP).status_code == 429
    assert send(client_ip="203.0.113.9").status_code == 202


def test_too_many_inquiries_overall_are_refused_whatever_the_address(send, smtp):
    for n in range(OVERALL):
        assert send(client_ip=f"203.0.113.{n + 1}").status_code == 202
    response = send(client_ip="192.0.2.200")
    assert response.status_code == 429
    assert response.get_json() == {"error": "rate_limited"}
    assert len(smtp.received) == OVERALL


def test_inquiries_older_than_an_hour_no_longer_count(send, managers):
    log_rows(managers, *[timedelta(minutes=61)] * (OVERALL + PER_IP))
    assert send().status_code == 202


def test_inquiries_within_the_last_hour_count(send, managers):
    log_rows(managers, *[timedelta(minutes=59)] * PER_IP)
    assert send().status_code == 429


# --- the mail server is down or refuses ------------------------------------------------------------


def test_refused_mail_is_mail_unavailable_and_leaves_no_log_row(send, smtp, managers):
    smtp.refuse_data = True
    response = send()
    assert response.status_code == 503
    assert response.get_json() == {"error": "mail_unavailable"}
    assert count(managers, InquiryLog) == 0


def test_unreachable_mail_server_is_mail_unavailable(send, smtp, managers):
    smtp.stop()
    response = send()
    assert response.status_code == 503
    assert response.get_json() == {"error": "mail_unavailable"}
    assert count(managers, InquiryLog) == 0


def test_failed_sends_do_not_use_up_the_senders_allowance(send, smtp):
    smtp.refuse_data = True
    for _ in range(PER_IP + 1):
        assert send().status_code == 503
    smtp.refuse_data = False
    assert send().status_code == 202
    assert len(smtp.received) == 1


# --- the request itself ----------------------------------------------------------------------------


def test_unsigned_inquiry_is_refused(managers, post_signed, smtp):
    response = post_signed(INQUIRIES, inquiry_body(), signature="")
    assert response.status_code == 401
    assert response.get_json() == {"error": "invalid_signature"}
    assert smtp.received == []


def test_inquiry_signed_with_another_secret_is_refused(managers, post_signed, smtp):
    assert post_signed(INQUIRIES, inquiry_body(), secret="not-the-secret").status_code == 401
    assert smtp.received == []


@pytest.mark.parametrize(
    "body",
    [
        inquiry_body(phone="041 123 456"),
        inquiry_body(name=None),
        inquiry_body(message=7),
        inquiry_body(email="ana@example.si\r\nBcc: victim@example.si"),
        inquiry_body(message="Pozdravljeni\x00"),
        inquiry_body(message="Pozdravljeni\x1b[31m"),
        inquiry_body(name="A" * 4001),
    ],
    ids=[
        "unknown field",
        "missing name",
        "message not a string",
        "header injection in email",
        "NUL in message",
        "escape in message",
        "name beyond any bound",
    ],
)
def test_malformed_inquiry_gets_400(managers, post_signed, smtp, body):
    response = post_signed(INQUIRIES, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert smtp.received == []
    assert count(managers, InquiryLog) == 0


# --- the desk on its own ---------------------------------------------------------------------------


@pytest.fixture
def desk_for(managers):
    """An InquiryDesk with its own session and these settings (mail to the test's SMTP sink)."""
    opened = []

    def make(**limits) -> tuple[InquiryDesk, Manager]:
        session = sessions(managers)()
        opened.append(session)
        base = managers.extensions["bridge.settings"]
        return InquiryDesk(session, replace(base, **limits)), session.get(Manager, MANAGER_ID)

    yield make
    for session in opened:
        session.close()


def inquiry(client_ip: str | None = IP) -> Inquiry:
    return Inquiry(MANAGER_ID, "Ana Novak", "ana@example.si", "Vprašanje", client_ip)


def test_desk_limits_each_address_by_the_setting(desk_for, smtp):
    desk, manager = desk_for(inquiries_per_ip_per_hour=3, inquiries_per_hour=100)
    for _ in range(3):
        desk.send(inquiry(), manager)
    with pytest.raises(RateLimited):
        desk.send(inquiry(), manager)
    desk.send(inquiry("203.0.113.9"), manager)
    assert len(smtp.received) == 4


def test_desk_limits_all_inquiries_by_the_setting(desk_for, smtp):
    desk, manager = desk_for(inquiries_per_ip_per_hour=100, inquiries_per_hour=3)
    for n in range(3):
        desk.send(inquiry(f"203.0.113.{n + 1}"), manager)
    with pytest.raises(RateLimited):
        desk.send(inquiry("192.0.2.200"), manager)
    assert len(smtp.received) == 3


def test_desk_without_a_client_address_applies_only_the_overall_limit(desk_for, managers):
    desk, manager = desk_for(inquiries_per_ip_per_hour=1, inquiries_per_hour=3)
    assert desk.within_limits(None)
    log_rows(managers, timedelta(minutes=1), timedelta(minutes=2), client_ip=None)
    assert desk.within_limits(None)
    log_rows(managers, timedelta(minutes=3), client_ip=None)
    assert not desk.within_limits(None)


def test_desk_counts_only_the_last_hour(desk_for, managers):
    desk, _ = desk_for(inquiries_per_ip_per_hour=1, inquiries_per_hour=100)
    log_rows(managers, timedelta(minutes=61), timedelta(hours=5))
    assert desk.within_limits(IP)
    log_rows(managers, timedelta(minutes=59))
    assert not desk.within_limits(IP)
    assert desk.within_limits("203.0.113.9")


def test_desk_failed_send_raises_mail_failed_and_logs_nothing(desk_for, smtp, managers):
    smtp.refuse_data = True
    desk, manager = desk_for()
    with pytest.raises(MailFailed):
        desk.send(inquiry(), manager)
    assert count(managers, InquiryLog) == 0


def test_desk_rate_limited_sends_no_mail(desk_for, smtp, managers):
    log_rows(managers, timedelta(minutes=5))
    desk, manager = desk_for(inquiries_per_ip_per_hour=1)
    with pytest.raises(RateLimited):
        desk.send(inquiry(), manager)
    assert smtp.received == []
    assert count(managers, InquiryLog) == 1
