"""Profile: where the bridge's time goes in one payer check (verify, then claim), step by step, in its process.

The bridge app on a new SQLite file with generated payers, called through Flask's test client (no HTTP, no
gunicorn: what the app itself spends), each registration a signed verify and then the claim of its ticket, as
Keycloak sends them. The steps are timed by wrapping the functions that do them; prints the median µs of each step
and of the whole request. `python bench/payer_check_steps.py` (BENCH_STEPS_REGISTRATIONS, default 600); not part
of `make bench` (docs/performance.md, "The payer check per call", has what it printed and what HTTP adds).
"""

from __future__ import annotations

import collections
import functools
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "registration-bridge"))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bench-steps-metrics-"))

from registration_bridge import bill_passwords, create_app, guessing, payer_registry, replay, signing  # noqa: E402
from registration_bridge import tickets as ticket_module  # noqa: E402
from registration_bridge.api import registrations  # noqa: E402
from registration_bridge.settings import Settings  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

SECRET = "bench-steps-callback-secret"
REGISTRATIONS = int(os.environ.get("BENCH_STEPS_REGISTRATIONS", "600"))
WARM_UP = 100
TIMES: dict[str, list[int]] = collections.defaultdict(list)  # step: ns of each time it ran


def timed(owner, name: str, label: str) -> None:
    """Replace owner.name by a wrapper that records its wall time under label."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter_ns()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[label].append(time.perf_counter_ns() - started)

    setattr(owner, name, wrapper)


def main() -> None:
    timed(signing, "verify", "signature check (HMAC-SHA256 of the call)")
    timed(replay, "first_use", "replay cache: the signature's row (first statement: opens the transaction)")
    timed(registrations, "read_object", "body validation")
    timed(payer_registry.PayerRegistry, "check", "verify: registry check (lookup, hash, limits, attempt row)")
    timed(bill_passwords.BillPasswordHasher, "matches", "  of it: bill password HMAC")
    timed(guessing.GuessingGuard, "refusal", "  of it: guessing limits (lock, 2 counts)")
    timed(ticket_module.TicketIssuer, "issue", "verify: ticket issued")
    timed(ticket_module.TicketIssuer, "redeem", "claim: ticket redeemed")
    timed(payer_registry.PayerRegistry, "claim", "claim: registry claim (lookup, insert)")
    timed(Session, "commit", "commit (one per call)")
    timed(logging.getLogger("registration_bridge.api.registrations"), "info", "log line (JSON)")

    directory = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    settings = Settings(
        database_url=f"sqlite:///{directory / 'bridge.sqlite3'}",
        callback_secret=SECRET,
        bill_password_key="bench-steps-bill-password-key",
        log_format="json",
    )
    app = create_app(settings)
    for handler in logging.getLogger("registration_bridge").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - the lines are formatted, not kept
    hasher = app.extensions["bridge.hasher"]
    with app.extensions["bridge.engine"].begin() as connection:
        connection.execute(
            text(
                "INSERT INTO managers (id, name, enabled, created_at) "
                "VALUES ('bench', 'Bench', true, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO payers (manager_id, payer_code, bill_password_hash, updated_at) "
                "VALUES ('bench', :code, :digest, CURRENT_TIMESTAMP)"
            ),
            [
                {"code": str(100000 + i), "digest": hasher.digest("bench", str(100000 + i), f"Bill-{i}")}
                for i in range(REGISTRATIONS)
            ],
        )
    client = app.test_client()

    def call(path: str, body: dict, label: str) -> dict:
        raw = json.dumps(body).encode()
        started = time.perf_counter_ns()
        answer = client.post(
            path,
            data=raw,
            headers={signing.HEADER: signing.sign(SECRET, "POST", path, raw), "Content-Type": "application/json"},
        )
        TIMES[label].append(time.perf_counter_ns() - started)
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)
        return answer.get_json()

    def register(i: int) -> None:
        verified = call(
            "/v1/registrations/verify",
            {
                "request_id": uuid.uuid4().hex,
                "manager_id": "bench",
                "payer_code": str(100000 + i),
                "bill_password": f"Bill-{i}",
                "client_ip": f"10.0.{i % 250}.1",
            },
            "whole verify request (Flask test client, no HTTP)",
        )
        assert verified["ok"], verified
        call(
            "/v1/registrations/claims",
            {"request_id": uuid.uuid4().hex, "ticket": verified["ticket"], "user_id": str(uuid.uuid4())},
            "whole claim request (Flask test client, no HTTP)",
        )

    for i in range(WARM_UP):
        register(i)
    TIMES.clear()
    for i in range(WARM_UP, REGISTRATIONS):
        register(i)
    measured = REGISTRATIONS - WARM_UP
    print(f"the bridge's steps of one registration's payer check, in process ({measured} registrations, SQLite)")
    print(f"{'median µs':>10} {'per reg':>7}  step")
    for label, values in TIMES.items():
        print(f"{statistics.median(values) / 1000:>10.1f} {len(values) / measured:>7.0f}  {label}")


if __name__ == "__main__":
    main()
