"""Constants and helpers shared by the bridge's unit tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import io
import time

from registration_bridge.csv_import import ImportReport, PayerImport
from registration_bridge.models import Claim, Payer, VerificationAttempt
from registration_bridge.payer_registry import PayerRegistry
from registration_bridge.settings import Settings
from sqlalchemy import func, select

CALLBACK_SECRET = "unit-test-callback-secret"
BILL_PASSWORD_KEY = "unit-test-bill-password-key"

MANAGER_ID = "staninvest"
MANAGER_NAME = "Staninvest d.o.o."
# Distinctive bill passwords, so that a search of the database file for them can not hit anything else.
PAYERS = {
    "100200": "Polozn1ca-Xq7-UNIQUE",
    "100201": "Racun-2024-Zk9-UNIQUE",
}
SEED_CSV = (
    "payer_code,bill_password,holder_name,address,unit\n"
    f"100200,{PAYERS['100200']},Ana Novak,Cesta v Mestni log 12 Ljubljana,3\n"
    f"100201,{PAYERS['100201']},Janez Kranjc,Cesta v Mestni log 12 Ljubljana,4\n"
).encode()

VERIFY = "/v1/registrations/verify"
CLAIMS = "/v1/registrations/claims"
NOT_VERIFIED_ANSWER = {"ok": False, "errors": [{"field": "bill_password", "code": "payer_not_verified"}]}


def make_settings(database_url: str, **overrides) -> Settings:
    values = dict(database_url=database_url, callback_secret=CALLBACK_SECRET, bill_password_key=BILL_PASSWORD_KEY)
    values.update(overrides)
    return Settings(**values)


def sessions(app):
    return app.extensions["bridge.sessions"]


def count(app, model) -> int:
    with sessions(app)() as s:
        return s.scalar(select(func.count()).select_from(model))


def attempt_outcomes(app) -> list[str]:
    with sessions(app)() as s:
        return list(s.scalars(select(VerificationAttempt.outcome).order_by(VerificationAttempt.id)))


def claims_by_payer(app) -> dict[str, str]:
    """payer code → Keycloak user id of every claim."""
    with sessions(app)() as s:
        rows = s.execute(select(Payer.payer_code, Claim.keycloak_user_id).join(Claim, Claim.payer_id == Payer.id))
        return {code: user for code, user in rows}


def payers(app, manager_id: str = MANAGER_ID) -> dict[str, Payer]:
    """payer code → Payer (detached) of one manager."""
    with sessions(app)() as s:
        return {p.payer_code: p for p in s.scalars(select(Payer).where(Payer.manager_id == manager_id))}


def import_csv(app, manager_id: str, data: bytes) -> ImportReport:
    """Runs the CSV import on the bytes of a file, with a session of its own."""
    with sessions(app)() as s:
        report = PayerImport(s, app.extensions["bridge.hasher"]).run(manager_id, io.BytesIO(data))
        s.commit()  # as the request or the command does (transactions.py)
        return report


def add_manager(app, manager_id: str, name: str, contact_email: str | None = None) -> None:
    with sessions(app)() as s:
        PayerRegistry(s, app.extensions["bridge.hasher"]).add_manager(manager_id, name, contact_email)
        s.commit()


def claim(app, payer_code: str, user_id: str, manager_id: str = MANAGER_ID) -> None:
    with sessions(app)() as s:
        PayerRegistry(s, app.extensions["bridge.hasher"]).claim(manager_id, payer_code, user_id)
        s.commit()


def verify_body(**overrides) -> dict:
    """A /verify body of the seeded payer 100200; a None override leaves the field out."""
    body = {
        "manager_id": MANAGER_ID,
        "payer_code": "100200",
        "bill_password": PAYERS["100200"],
        "email": "ana@example.si",
        "first_name": "Ana",
        "last_name": "Novak",
        "locale": "sl",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def password_ok(app, payer_code: str, bill_password: str, manager_id: str = MANAGER_ID) -> bool:
    """Whether the stored hash of a payer accepts this bill password."""
    payer = payers(app, manager_id)[payer_code]
    return app.extensions["bridge.hasher"].matches(payer.bill_password_hash, manager_id, payer_code, bill_password)


def run_threads(threads: list, what: str, seconds: float = 60) -> None:
    """Start the threads together and wait for all of them; fail if one is still running after `seconds`."""
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), f"{what} hangs"
