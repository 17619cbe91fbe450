"""Inquiries ("Povpraševanje") from people without an account: rate-limited, e-mailed to the chosen manager."""

from __future__ import annotations

import email.policy
import re
import smtplib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .inquiry_mail import inquiry_html
from .models import InquiryLog, Manager, utcnow
from .settings import Settings


@dataclass(frozen=True)
class Inquiry:
    manager_id: str
    name: str
    email: str
    message: str
    client_ip: str | None
    # the manager's look for the mail's HTML part (from Keycloak; inquiry_mail checks them)
    logo_url: str | None = None
    brand_colour: str | None = None


# An address a reply can go to: ASCII (no SMTPUTF8 needed), nothing that could split a header (<>,"; space).
EMAIL_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


MAX_NAME = 200
# Besides letters, marks, digits and spaces, what names (and the names of firms) are written with. Everything
# else is refused: controls and line/paragraph separators (they end a header line or give a 500 in the mail
# library), format characters (bidi overrides, zero-width), and the syntax of addresses and encoded words
# (, ; : < > @ " \ = ?) that would let a mail program read a second address or another name into Reply-To.
NAME_PUNCTUATION = frozenset(".-'’‘()&/\u2010\u2011\u2013")


def name_problem(name: str) -> str | None:
    """Why this (stripped) name can not be the display name of the sender: a field error code, or None."""
    if not name:
        return "required"
    if len(name) > MAX_NAME:
        return "too_long"
    for ch in name:
        category = unicodedata.category(ch)
        if not (category[0] in "LMN" or category == "Zs" or ch in NAME_PUNCTUATION):
            return "invalid_characters"
    return None


def normalize_message(text: str) -> str:
    """Line breaks as one character each, whatever the browser sent (CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class RateLimited(Exception):
    pass


class MailFailed(Exception):
    pass


class InquiryDesk:
    def __init__(self, session: Session, settings: Settings) -> None:
        self._session = session
        self._settings = settings

    def within_limits(self, client_ip: str | None) -> bool:
        since = utcnow() - timedelta(hours=1)
        total = self._session.scalar(select(func.count()).select_from(InquiryLog).where(InquiryLog.at >= since)) or 0
        if total >= self._settings.inquiries_per_hour:
            return False
        if client_ip:
            from_ip = (
                self._session.scalar(
                    select(func.count())
                    .select_from(InquiryLog)
                    .where(InquiryLog.at >= since, InquiryLog.client_ip == client_ip)
                )
                or 0
            )
            if from_ip >= self._settings.inquiries_per_ip_per_hour:
                return False
        return True

    def send(self, inquiry: Inquiry, manager: Manager) -> None:
        """E-mail the inquiry to the manager (reply goes to the sender); raises RateLimited or MailFailed.

        Its row in the inquiry log (what the rate limits count) is written before the mail goes out, in the
        caller's transaction: the request commits it with its 202, and rolls it back with the 503 of a MailFailed
        (a mail that did not go out does not count). The mail is the one thing a later 5xx can not take back."""
        if not self.within_limits(inquiry.client_ip):
            raise RateLimited()
        message = self._message(inquiry, manager)
        self._session.add(InquiryLog(manager_id=manager.id, client_ip=inquiry.client_ip))
        self._session.flush()
        try:
            with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            raise MailFailed(str(exc)) from exc

    def _message(self, inquiry: Inquiry, manager: Manager) -> EmailMessage:
        """The mail, its addresses built as structured addresses (never parsed from text a visitor typed).

        The name was checked (name_problem) and the address too (EMAIL_ADDRESS); the Reply-To is read back as a
        mail program would and the mail is not sent unless it holds exactly the sender's address.
        """
        if name_problem(inquiry.name) or not EMAIL_ADDRESS.fullmatch(inquiry.email):
            raise MailFailed("the inquiry's name or address was not checked")
        try:
            message = EmailMessage(policy=MAIL_POLICY)
            message["From"] = Address(display_name="eSoseska", addr_spec=self._settings.mail_from)
            message["To"] = Address(display_name=_plain(manager.name), addr_spec=manager.contact_email or "")
            message["Reply-To"] = Address(display_name=inquiry.name, addr_spec=inquiry.email)
            message["Subject"] = f"Povpraševanje z eSoseske: {inquiry.name}"
            message.set_content(
                f"{inquiry.name} <{inquiry.email}> sprašuje prek portala eSoseska:\n\n{inquiry.message}\n\n"
                f"Odgovorite na to sporočilo; odgovor prejme pošiljatelj.\n"
            )
            message.add_alternative(
                inquiry_html(
                    sender_name=inquiry.name,
                    sender_email=inquiry.email,
                    message=inquiry.message,
                    manager_name=manager.name,
                    logo_url=inquiry.logo_url,
                    colour=inquiry.brand_colour,
                ),
                subtype="html",
            )
            raw = message.as_bytes()
        except (ValueError, TypeError, IndexError) as exc:  # a misconfigured From or a manager's odd address
            raise MailFailed(f"the mail could not be built: {exc}") from exc
        if _reply_addresses(raw) != [inquiry.email]:
            raise MailFailed("Reply-To would not hold exactly the sender's address")
        return message


# the mail library's policy for writing the message (headers folded and encoded by RFC 5322/2047, CRLF)
MAIL_POLICY = email.policy.SMTP


def _plain(name: str) -> str:
    """A manager's name as a display name (from the managers list, not from a visitor): one printable line."""
    return name if name.isprintable() else ""


def _reply_addresses(raw: bytes) -> list[str]:
    """The addresses of Reply-To as a mail program reads the message that will be sent."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return [address for _, address in getaddresses(headers.get_all("Reply-To", []))]
