"""The bridge's database schema, built and changed only by the Alembic migrations in registration_bridge/migrations/
(the same ones for SQLite and PostgreSQL). Alembic is configured here in code: no alembic.ini, no current directory."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

log = logging.getLogger("registration_bridge")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision whose schema Base.metadata.create_all built before there were migrations, and its tables.
BASELINE = "0001"
BASELINE_TABLES = frozenset(
    {"managers", "payers", "claims", "verification_attempts", "payer_unlocks", "inquiry_log", "seen_signatures"}
)
# any constant: the PostgreSQL advisory lock that lets one process at a time migrate (gunicorn workers start together)
_PG_MIGRATION_LOCK = 0x6272696467650001


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations have no head revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest). Safe when several processes start at once."""
    with engine.connect() as connection, _migration_lock(connection):
        _stamp_if_built_before_migrations(connection)
        command.upgrade(alembic_config(connection), revision)


def _stamp_if_built_before_migrations(connection: Connection) -> None:
    """A database from before the migrations (create_all) has the baseline's tables but no alembic_version."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables or not tables & BASELINE_TABLES:
        return
    missing = BASELINE_TABLES - tables
    if missing:
        raise RuntimeError(
            "the database has some of the bridge's tables but not "
            + ", ".join(sorted(missing))
            + " and no alembic_version: not a database this bridge made; refusing to migrate it"
        )
    log.warning(
        "database built before migrations (no alembic_version): marking it as revision %s, the baseline", BASELINE
    )
    command.stamp(alembic_config(connection), BASELINE)


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """One transaction around look-and-migrate, held exclusively: a second process waits, then finds nothing to do."""
    with connection.begin():
        if connection.dialect.name == "sqlite":
            # pysqlite would run DDL outside any transaction; an explicit write transaction locks the file
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        yield


def new_revision(engine: Engine, message: str) -> Path | None:
    """Write a migration for the difference between the models and the database at head (autogenerate);
    None, and nothing written, when there is no difference."""
    upgrade(engine)
    with engine.connect() as connection:
        written = command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=_next_revision_id()
        )
    scripts = written if isinstance(written, list) else [written]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else None


def _next_revision_id() -> str:
    """0001, 0002, …: revisions sort by name and read in order."""
    ids = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    return f"{max((int(i) for i in ids if i.isdigit()), default=0) + 1:04d}"
