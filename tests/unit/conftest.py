"""Fixtures of the bridge's unit tests: an app on a throw-away SQLite file, a signed-call helper, seeded payers."""
from __future__ import annotations

from typing import Callable

import json
import uuid

import pytest

from registration_bridge import create_app
from registration_bridge.settings import Settings
from registration_bridge.signing import HEADER, sign

from .support import (CALLBACK_SECRET, MANAGER_ID, MANAGER_NAME, PAYERS, SEED_CSV, VERIFY, add_manager, import_csv,
                      make_settings, verify_body)


@pytest.fixture(autouse=True)
def _no_bridge_environment(monkeypatch):
    """The shell's BRIDGE_*/DATABASE_URL/KEYCLOAK_* variables must not leak into a test."""
    for name in Settings.ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["bridge.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(app):
    """Manager `staninvest` with the two payers of SEED_CSV, imported through the real CSV import."""
    add_manager(app, MANAGER_ID, MANAGER_NAME)
    import_csv(app, MANAGER_ID, SEED_CSV)
    return app


@pytest.fixture
def post_signed(client):
    """POSTs a JSON body (or raw bytes) signed the way Keycloak signs it.

    secret/timestamp change the signer; signed_body signs other bytes than those sent; signature replaces the
    header value ("" sends no header at all).
    """

    def post(path: str, payload=None, *, raw: bytes | None = None, secret: str = CALLBACK_SECRET,
             timestamp: int | Callable[[], int] | None = None, signed_body: bytes | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None):
        if isinstance(payload, dict) and "request_id" not in payload:
            payload = {**payload, "request_id": uuid.uuid4().hex}  # as Keycloak sends one with every call
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if callable(timestamp):
            timestamp = timestamp()
        if signature is None:
            signature = sign(secret, body if signed_body is None else signed_body, timestamp)
        sent = {**(headers or {}), **({HEADER: signature} if signature else {})}
        return client.post(path, data=body, headers=sent, content_type="application/json")

    return post


@pytest.fixture
def ticket_for(seeded, post_signed):
    """A ticket from a successful /verify of a seeded payer."""

    def get(payer_code: str = "100200") -> str:
        response = post_signed(VERIFY, verify_body(payer_code=payer_code, bill_password=PAYERS[payer_code]))
        assert response.status_code == 200 and response.get_json()["ok"] is True, response.get_json()
        return response.get_json()["ticket"]

    return get
