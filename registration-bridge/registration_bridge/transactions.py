"""Who commits: the request and the command, here and nowhere else (docs/bridge-transactions.md).

The domain code (payer_registry, guessing, replay, csv_import, admin_actions, inquiries, reconcile, audit) only
writes into the session it is given; it never commits or rolls back. The scope that owns the session ends it:

- A request (any route of the app): one transaction, in context.db_session's session. `install` commits it when
  the answer is below 500, so a refusal keeps what it wrote (the attempt row of a payer check the form refuses, the
  audit entry of a rejected payer list), and rolls it back on a 5xx or an exception, whose answer is then JSON
  (500, or 503 when the database failed). A commit that fails turns the view's answer into that error: never a
  success for changes that were not kept.
- A command of the command line (`command`): one transaction, committed when the command's body ends without an
  exception; an exception (or a database error) midway leaves nothing.

What must hold inside one transaction holds because of this: a signed callback's replay-cache row, its attempt row
and its claim commit together or not at all; a payer code's checks stay serialized (guessing._serialize) until the
request's commit or rollback, which comes right after the view returns.

Two named exceptions, and only these:
- `all_or_nothing`: a step inside the scope's transaction that is kept whole or not at all (a savepoint), so that
  what the scope writes about its failure stays: a rejected payer list is rolled back, its audit entry committed.
- The retention pass (retention.py) is a background thread, neither request nor command: it commits each batch of
  rows it deletes or cuts, so that it never holds the database's write lock for long.

What is not in the database is not rolled back: an inquiry's mail (sent before its request commits) and reconcile's
changes to Keycloak's attributes (made before the registry's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, jsonify
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

log = logging.getLogger("registration_bridge")


def install(app: Flask) -> None:
    """Every request of the app ends its transaction here. Install it after the other after_request hooks (Flask
    runs them last-installed first), so that what they see, e.g. the metrics' status code, is the final answer."""

    @app.after_request
    def end_request_transaction(response):
        session: Session | None = g.get("db_session")
        if session is None:
            return response
        if response.status_code >= 500:
            _roll_back(session)
            return response
        try:
            session.commit()
        except SQLAlchemyError as exc:
            _roll_back(session)
            unavailable = isinstance(exc, OperationalError)
            log.error("request not committed: %s", exc.__class__.__name__)
            failed = jsonify(error="database_unavailable" if unavailable else "not_committed")
            failed.status_code = 503 if unavailable else 500
            return failed
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        # an exception that skipped end_request_transaction (or a command's) is rolled back here, by the close
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _roll_back(session: Session) -> None:
    """Roll back; a database that is gone can not (the close at the request's end then drops the connection)."""
    try:
        session.rollback()
    except SQLAlchemyError as exc:
        log.warning("rollback failed: %s", exc.__class__.__name__)


@contextmanager
def command(app: Flask) -> Iterator[None]:
    """The scope of one command of the command line, in an app context of its own: its changes commit when the
    body ends without an exception; otherwise the context's close rolls them back."""
    with app.app_context():
        yield
        session: Session | None = g.get("db_session")
        if session is not None:
            session.commit()


@contextmanager
def all_or_nothing(session: Session) -> Iterator[None]:
    """A step that is kept whole or not at all, inside the transaction of its request or command (a savepoint):
    when it raises, what it wrote is undone and what the scope wrote before it stays, for the scope to commit."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only before a write: a savepoint outside one would open it itself, and its
        # release would commit it. Open it here, taking the write lock at once: a read transaction that writes
        # later fails at once (no busy wait) if another connection wrote in between.
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    with session.begin_nested():
        yield
