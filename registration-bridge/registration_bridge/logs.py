"""Structured logs: one JSON object a line, each carrying the correlation id of the call it belongs to.

Keycloak sends `X-Correlation-Id` with every callback of one registration (the verify and the claim share it) and
logs the same id, so one registration can be followed across both services. A call without one gets a fresh id.
The id is echoed in the answer's header.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

CORRELATION_HEADER = "X-Correlation-Id"
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# attributes every LogRecord has; anything else on a record came in through `extra=` and is logged as a field
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def correlation_id() -> str | None:
    return g.get("correlation_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = correlation_id()
        if cid:
            entry["correlation_id"] = cid
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        cid = correlation_id()
        return f"{line} correlation_id={cid}" if cid else line


def configure(log_format: str) -> None:
    """The bridge's own logger writes to stderr in the chosen format (gunicorn configures nothing for it)."""
    bridge_log = logging.getLogger("registration_bridge")
    bridge_log.setLevel(logging.INFO)
    if logging.getLogger().handlers:
        return  # a host (pytest, an embedding app) configured logging: leave it to the host
    handler = next((h for h in bridge_log.handlers if getattr(h, "_bridge", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._bridge = True  # type: ignore[attr-defined]
        bridge_log.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())


def install_correlation(app: Flask) -> None:
    @app.before_request
    def take_correlation_id() -> None:
        sent = request.headers.get(CORRELATION_HEADER, "")
        g.correlation_id = sent if _VALID_ID.fullmatch(sent) else uuid.uuid4().hex

    @app.after_request
    def echo_correlation_id(response):
        if "correlation_id" in g:
            response.headers[CORRELATION_HEADER] = g.correlation_id
        return response
