"""Alembic's entry point for the bridge's migrations; configured in code by registration_bridge.schema, not by an
alembic.ini. Runs on the connection schema.py hands over (inside its transaction and migration lock)."""

from __future__ import annotations

from alembic import context

from registration_bridge.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the bridge's migrations through registration_bridge.schema "
        "(`registration-bridge db upgrade`), not the alembic command"
    )


def _nothing_to_write_when_nothing_changed(_context, _revision, directives) -> None:
    if directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    process_revision_directives=_nothing_to_write_when_nothing_changed,
)
with context.begin_transaction():
    context.run_migrations()
