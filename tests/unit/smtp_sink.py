"""A real SMTP server on a free local port that keeps what it receives (aiosmtpd is not a dependency).

It speaks just enough SMTP for smtplib: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT.
With `refuse_data` set it answers the message itself with 554, as a server that rejects the mail would.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def body(self) -> str:
        """The decoded plain text (of a multipart mail: its text/plain part), line breaks as \\n."""
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str | None:
        """The decoded text/html part, if the mail has one."""
        part = self.message.get_body(("html",))
        return None if part is None or part.get_content_type() != "text/html" else part.get_content()


@dataclass
class _Envelope:
    mail_from: str | None = None
    rcpt_to: list[str] = field(default_factory=list)


def _address(argument: str) -> str:
    """`FROM:<a@b.si> SIZE=10` → a@b.si"""
    value = argument.split(":", 1)[1].strip()
    if value.startswith("<"):
        value = value[1 : value.index(">")]
    return value.split(" ", 1)[0]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        envelope = _Envelope()
        self._reply("220 smtp-sink ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._reply("250-smtp-sink")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 smtp-sink")
            elif verb == "MAIL":
                envelope = _Envelope(mail_from=_address(line))
                self._reply("250 OK")
            elif verb == "RCPT":
                if envelope.mail_from is None:
                    self._reply("503 MAIL first")
                else:
                    envelope.rcpt_to.append(_address(line))
                    self._reply("250 OK")
            elif verb == "DATA":
                if not envelope.rcpt_to:
                    self._reply("503 RCPT first")
                    continue
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if data is None:
                    return
                if self.server.refuse_data:
                    self._reply("554 Message refused")
                else:
                    self.server.received.append(Received(envelope.mail_from or "", list(envelope.rcpt_to), data))
                    self._reply("250 OK: queued")
                envelope = _Envelope()
            elif verb == "RSET":
                envelope = _Envelope()
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")

    def _read_data(self) -> bytes | None:
        lines = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return None
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b".") else raw)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.refuse_data = False


class SmtpSink:
    """`with SmtpSink() as sink:` … sink.port, sink.received, sink.refuse_data = True, sink.stop()."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="smtp-sink", daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def received(self) -> list[Received]:
        return self._server.received

    @property
    def refuse_data(self) -> bool:
        return self._server.refuse_data

    @refuse_data.setter
    def refuse_data(self, value: bool) -> None:
        self._server.refuse_data = value

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops listening: from now on a connection to the port is refused (as with a mail server that is down)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __exit__(self, *exc) -> None:
        self.stop()
