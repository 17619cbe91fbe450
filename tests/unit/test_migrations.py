"""The migrations build the models' schema, on SQLite and PostgreSQL alike; older databases join them.

A change to models.py without a migration fails test_migrated_schema_matches_the_models: write one with
`.venv/bin/registration-bridge db revision -m "what changed"` (see docs/operations.md).
"""

from __future__ import annotations

import logging
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from registration_bridge import schema
from registration_bridge.db import make_engine
from registration_bridge.models import Base, Manager, utcnow
from sqlalchemy import Column, Integer, MetaData, Table, column, insert, inspect, select, text
from sqlalchemy import table as sa_table

from .support import run_threads


@pytest.fixture
def engine(empty_database_url):
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


# the managers table as the baseline made it (the model has columns the baseline lacks)
BASELINE_MANAGERS = sa_table("managers", column("id"), column("name"), column("created_at"))


def differences(engine, metadata: MetaData) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def test_migrated_schema_matches_the_models(engine):
    schema.upgrade(engine)
    assert differences(engine, Base.metadata) == []


def test_the_comparison_sees_a_model_without_its_migration(engine):
    schema.upgrade(engine)
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("table_without_a_migration", changed, Column("id", Integer, primary_key=True))
    assert ("add_table", "table_without_a_migration") in [(d[0], d[1].name) for d in differences(engine, changed)]


def test_the_baseline_is_the_schema_create_all_built(engine):
    schema.upgrade(engine, schema.BASELINE)
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == schema.BASELINE_TABLES


def test_a_database_built_before_migrations_is_stamped_and_keeps_its_data(engine, caplog):
    # what create_all built at start before there were migrations: the baseline's schema, no alembic_version
    schema.upgrade(engine, schema.BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    with engine.begin() as connection:
        connection.execute(
            insert(BASELINE_MANAGERS).values(id="staninvest", name="Staninvest d.o.o.", created_at=utcnow())
        )
    caplog.set_level(logging.INFO, logger="registration_bridge")
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    assert "database built before migrations" in caplog.text
    with engine.connect() as connection:
        assert connection.execute(select(Manager.__table__.c.name, Manager.__table__.c.enabled)).one() == (
            "Staninvest d.o.o.",
            True,  # a manager of before stays enabled (0004)
        )


def test_a_database_with_only_some_of_the_tables_is_refused(engine):
    Manager.__table__.create(engine)
    with pytest.raises(RuntimeError, match="not a database this bridge made"):
        schema.upgrade(engine)
    assert "alembic_version" not in inspect(engine).get_table_names()


def test_a_migrated_database_is_left_as_it_is(engine, caplog):
    schema.upgrade(engine)
    caplog.set_level(logging.INFO)
    schema.upgrade(engine)
    assert "Running upgrade" not in caplog.text
    assert schema.current_revision(engine) == schema.head_revision()


def test_processes_starting_together_migrate_once(empty_database_url):
    """gunicorn starts its workers at the same moment, and each runs the migrations: one does, the others wait."""
    starters = 4
    barrier = threading.Barrier(starters)
    errors: list[BaseException] = []

    def start() -> None:
        engine = make_engine(empty_database_url)  # an engine each, as each worker process has
        try:
            barrier.wait(timeout=30)
            schema.upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start, daemon=True) for _ in range(starters)]
    run_threads(threads, "a migration")
    assert errors == []
    engine = make_engine(empty_database_url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()


def test_0003_gives_the_attempts_of_older_versions_their_network(engine):
    schema.upgrade(engine, "0002")
    attempts = Table("verification_attempts", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        connection.execute(
            insert(attempts),
            [
                {
                    "at": utcnow(),
                    "manager_id": "staninvest",
                    "payer_code": "1",
                    "outcome": "wrong_bill_password",
                    "client_ip": ip,
                }
                for ip in ("198.51.100.7", "2001:db8:5:7::1", "::ffff:192.0.2.1", "junk", None)
            ],
        )
    schema.upgrade(engine)
    with engine.connect() as connection:
        networks = connection.execute(text("SELECT client_network FROM verification_attempts ORDER BY id")).scalars()
        assert list(networks) == ["198.51.100.7", "2001:db8:5:7::/64", "192.0.2.1", "junk", None]


def test_0005_gives_the_claims_of_older_versions_their_manager(engine):
    schema.upgrade(engine, "0004")
    with engine.begin() as connection:
        for manager in ("staninvest", "domovanje"):
            connection.execute(
                text("INSERT INTO managers (id, name, enabled, created_at) VALUES (:m, :m, true, :at)"),
                {"m": manager, "at": utcnow()},
            )
            payer_id = connection.execute(
                text(
                    "INSERT INTO payers (manager_id, payer_code, bill_password_hash, updated_at) "
                    "VALUES (:m, '1', 'x', :at) RETURNING id"
                ),
                {"m": manager, "at": utcnow()},
            ).scalar_one()
            connection.execute(
                text("INSERT INTO claims (payer_id, keycloak_user_id, claimed_at) VALUES (:p, :u, :at)"),
                {"p": payer_id, "u": f"user-of-{manager}", "at": utcnow()},
            )
    schema.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT keycloak_user_id, manager_id FROM claims ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("user-of-staninvest", "staninvest"), ("user-of-domovanje", "domovanje")]
