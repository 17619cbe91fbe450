"""Fixtures of the bridge's unit tests: an app on a throw-away database (each test once on SQLite, once on
PostgreSQL), a signed-call helper, seeded payers."""

from __future__ import annotations

import itertools
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from registration_bridge import create_app, schema
from registration_bridge.db import make_engine
from registration_bridge.settings import Settings
from registration_bridge.signing import HEADER, sign

from .support import (
    CALLBACK_SECRET,
    MANAGER_ID,
    MANAGER_NAME,
    PAYERS,
    SEED_CSV,
    VERIFY,
    add_manager,
    import_csv,
    make_settings,
    verify_body,
)


@pytest.fixture(autouse=True)
def _no_bridge_environment(monkeypatch):
    """The shell's BRIDGE_*/DATABASE_URL/KEYCLOAK_* variables must not leak into a test."""
    for name in Settings.ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)


DATABASES = ("sqlite", "postgresql")
TEMPLATE = "bridge_template"
_database_numbers = itertools.count(1)


def pytest_generate_tests(metafunc):
    """Every test that uses a database runs on each of DATABASES, unless marked sqlite_only (with its reason)."""
    if "database" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("database", ["sqlite"] if sqlite_only else DATABASES, indirect=True)


@pytest.fixture
def database(request) -> str:
    """The kind of database of this test run: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy (faster than running the migrations each time)."""
    path = tmp_path_factory.mktemp("template") / "bridge.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()  # the last connection folds the WAL into the file: the file alone is the database
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster) -> str:
    """A database migrated to head once; each test gets a copy (CREATE DATABASE … TEMPLATE)."""
    postgres_cluster.create_database(TEMPLATE)
    engine = make_engine(postgres_cluster.url(TEMPLATE))
    schema.upgrade(engine)
    engine.dispose()  # a template must have no connections while it is copied
    return TEMPLATE


@pytest.fixture
def database_url(database, tmp_path, request):
    """A fresh database of this test, migrated to head."""
    with new_database(database, request, tmp_path) as url:
        yield url


@pytest.fixture
def empty_database_url(database, tmp_path, request):
    """A fresh database of this test without any table."""
    with new_database(database, request, tmp_path, migrated=False) as url:
        yield url


@contextmanager
def new_database(kind: str, request, directory: Path, migrated: bool = True) -> Iterator[str]:
    """The URL of a new database of `kind`; a PostgreSQL one is a copy of the migrated template, dropped after."""
    if kind == "sqlite":
        path = directory / ("bridge.sqlite3" if migrated else "empty.sqlite3")
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    template = request.getfixturevalue("postgres_template") if migrated else None
    name = f"bridge_test_{next(_database_numbers)}"
    try:
        yield cluster.create_database(name, template=template)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)


@pytest.fixture
def app(settings):
    app = create_app(settings, role="all")  # both processes' routes: tests upload a list, then register with it
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

    secret/timestamp change the signer; signed_body signs other bytes than those sent, signed_path another path;
    signature replaces the header value ("" sends no header at all).
    """

    def post(
        path: str,
        payload=None,
        *,
        raw: bytes | None = None,
        secret: str = CALLBACK_SECRET,
        timestamp: int | Callable[[], int] | None = None,
        signed_body: bytes | None = None,
        signature: str | None = None,
        signed_path: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        if isinstance(payload, dict) and "request_id" not in payload:
            payload = {**payload, "request_id": uuid.uuid4().hex}  # as Keycloak sends one with every call
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        if callable(timestamp):
            timestamp = timestamp()
        if signature is None:
            signature = sign(
                secret, "POST", signed_path or path, body if signed_body is None else signed_body, timestamp
            )
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
