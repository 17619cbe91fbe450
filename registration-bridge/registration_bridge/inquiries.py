"""Inquiries ("Povpraševanje") from people without an account: rate-limited, e-mailed to the chosen manager."""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import InquiryLog, Manager, utcnow
from .settings import Settings


@dataclass(frozen=True)
class Inquiry:
    manager_id: str
    name: str
    email: str
    message: str
    client_ip: str | None


# An address a reply can go to: ASCII (no SMTPUTF8 needed), nothing that could split a header (<>,"; space).
EMAIL_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


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
        total = self._session.scalar(select(func.count()).select_from(InquiryLog).where(InquiryLog.at >= since))
        if total >= self._settings.inquiries_per_hour:
            return False
        if client_ip:
            from_ip = self._session.scalar(select(func.count()).select_from(InquiryLog)
                                           .where(InquiryLog.at >= since, InquiryLog.client_ip == client_ip))
            if from_ip >= self._settings.inquiries_per_ip_per_hour:
                return False
        return True

    def send(self, inquiry: Inquiry, manager: Manager) -> None:
        """E-mail the inquiry to the manager (reply goes to the sender); raises RateLimited or MailFailed."""
        if not self.within_limits(inquiry.client_ip):
            raise RateLimited()
        self._session.add(InquiryLog(manager_id=manager.id, client_ip=inquiry.client_ip))
        self._session.flush()
        try:
            with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port, timeout=10) as smtp:
                smtp.send_message(self._message(inquiry, manager))
        except (OSError, smtplib.SMTPException, UnicodeError) as exc:
            self._session.rollback()
            raise MailFailed(str(exc)) from exc
        self._session.commit()

    def _message(self, inquiry: Inquiry, manager: Manager) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr(("eSoseska", self._settings.mail_from))
        message["To"] = formataddr((manager.name, manager.contact_email or ""))
        message["Reply-To"] = formataddr((inquiry.name, inquiry.email))
        message["Subject"] = f"Povpraševanje z eSoseske: {inquiry.name}"
        message.set_content(
            f"{inquiry.name} <{inquiry.email}> sprašuje prek portala eSoseska:\n\n{inquiry.message}\n\n"
            f"Odgovorite na to sporočilo; odgovor prejme pošiljatelj.\n")
        return message
