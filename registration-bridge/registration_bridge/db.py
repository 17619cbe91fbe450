"""Engine and sessions for the payer registry (SQLite by default, PostgreSQL through DATABASE_URL).
The tables come from the migrations: see schema.py."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, Insert, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints, not every commit
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _use_wal(cursor, wait_seconds: float = 15.0) -> None:
    """WAL is kept in the file, so only the first connection to a new database changes it. That change needs the
    file to itself, and SQLite refuses it at once ("database is locked", no busy wait) while another process holds
    it, e.g. gunicorn's workers starting together on a new file: so wait for it here."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class InsertIfAbsent:
    """`INSERT … ON CONFLICT (key) DO NOTHING RETURNING key`, built once for each database the bridge runs on: a row
    whose key exists is not inserted, and nothing is raised, so the transaction stays usable. (Whether a row went in
    is read from RETURNING: rowcount is not reliable with it, and SQLAlchemy adds it on PostgreSQL anyway.)"""

    def __init__(self, entity, key_columns: list, **values) -> None:
        self._statements: dict[str, Insert] = {
            name: dialect.insert(entity)
            .values(**values)
            .on_conflict_do_nothing(index_elements=key_columns)
            .returning(*key_columns)
            for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
        }

    def __call__(self, connection: Connection, parameters: dict) -> bool:
        """Run it in the connection's transaction; True when the row went in."""
        return connection.execute(self._statements[connection.dialect.name], parameters).first() is not None
