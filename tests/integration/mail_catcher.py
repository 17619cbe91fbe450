"""The MailDev mail catcher's JSON API: what Keycloak sent, to whom."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import time

import bs4
import requests


class MailCatcher:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def messages_to(self, address: str) -> list[dict]:
        messages = requests.get(f"{self.base_url}/email", timeout=5).json()
        return [m for m in messages if any(t.get("address", "").lower() == address.lower() for t in m.get("to", []))]

    def wait_for(self, address: str, subject_contains: str = "", timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages_to(address):
                if subject_contains in message.get("subject", ""):
                    return message
            time.sleep(0.3)
        raise AssertionError(
            f"no mail to {address} with subject containing {subject_contains!r} "
            f"within {timeout} s; mails to them: {[m.get('subject') for m in self.messages_to(address)]}"
        )

    def source(self, message: dict) -> bytes:
        """The message as it arrived over SMTP (headers as the mail server got them)."""
        response = requests.get(f"{self.base_url}/email/{message['id']}/source", timeout=5)
        response.raise_for_status()
        return response.content

    def reply_to(self, message: dict) -> list[tuple[str, str]]:
        """Reply-To of the raw message, parsed as a mail program would (email.utils.getaddresses)."""
        parsed = email.message_from_bytes(self.source(message), policy=email.policy.compat32)
        return [
            (str(email.header.make_header(email.header.decode_header(name))), address)
            for name, address in email.utils.getaddresses(parsed.get_all("Reply-To", []))
        ]

    @staticmethod
    def links(message: dict) -> dict[str, str]:
        """The links of an HTML mail, by their visible text."""
        soup = bs4.BeautifulSoup(message.get("html") or "", "html.parser")
        return {" ".join(a.get_text(" ").split()): a["href"] for a in soup.find_all("a", href=True)}
