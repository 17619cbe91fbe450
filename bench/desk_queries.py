"""Benchmark: the manager's desk on a real-sized registry in PostgreSQL (durable): 1 000 000 payers of one manager,
600 000 of them registered, 10 000 000 payer checks over 30 days. Times, in the desk's own process (server time, no
HTTP), the payer search (code, part of a code, name, address, unit), one payer's page, the overview, and the
preview of a 100 000-row payer list (read, checked, staged and compared). Prints a table and writes
var/bench/desk.json. Targets (issue 15): search < 200 ms, overview < 500 ms, preview of 100 000 rows < 10 s.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "registration-bridge"))

from devstack.layout import free_port  # noqa: E402
from devstack.postgres import PostgresCluster  # noqa: E402

PAYERS = int(os.environ.get("BENCH_DESK_PAYERS", "1000000"))
ATTEMPTS = int(os.environ.get("BENCH_DESK_ATTEMPTS", "10000000"))
PREVIEW_ROWS = int(os.environ.get("BENCH_DESK_PREVIEW_ROWS", "100000"))
RUNS = 15
MANAGER = "bench"

FILL = [
    "INSERT INTO managers (id, name, enabled, created_at) VALUES ('bench', 'Bench d.o.o.', true, now()), "
    "('other', 'Other d.o.o.', true, now())",
    # codes 1000000…; names and addresses like a billing export's
    f"""INSERT INTO payers (manager_id, payer_code, bill_password_hash, holder_name, address, unit, updated_at)
        SELECT 'bench', (1000000 + i)::text, md5(i::text) || md5((i + 1)::text),
               'Plačnik ' || i || ' ' || (ARRAY['Novak','Horvat','Kranjc','Zupan','Kovač','Krajnc'])[1 + i %% 6],
               'Cesta ' || (i %% 5000) || ' ' || (ARRAY['Ljubljana','Maribor','Celje','Kranj','Koper'])[1 + i %% 5],
               (i %% 40)::text, now()
        FROM generate_series(0, {PAYERS - 1}) AS i""",
    """INSERT INTO claims (payer_id, manager_id, keycloak_user_id, claimed_at)
        SELECT id, 'bench', md5(id::text), now() - (id %% 90) * interval '1 day'
        FROM payers WHERE manager_id = 'bench' AND id %% 10 < 6""",
]


def fill_attempts(connection) -> None:
    """10 million checks over 30 days, in chunks: 80 % verified, 15 % wrong bill password, 5 % unknown code."""
    chunk = 1_000_000
    for start in range(0, ATTEMPTS, chunk):
        size = min(chunk, ATTEMPTS - start)
        connection.exec_driver_sql(
            f"""INSERT INTO verification_attempts (at, manager_id, payer_code, outcome, client_ip, client_network)
                SELECT now() - (random() * 30) * interval '1 day', 'bench',
                       (1000000 + (random() * {PAYERS - 1})::int)::text,
                       CASE WHEN r < 0.80 THEN 'verified' WHEN r < 0.95 THEN 'wrong_bill_password'
                            ELSE 'unknown_payer' END,
                       '192.0.' || (i %% 250) || '.' || (i %% 200), '192.0.' || (i %% 250) || '.' || (i %% 200)
                FROM (SELECT i, random() AS r FROM generate_series({start}, {start + size - 1}) AS i) AS g"""
        )
    # a few codes locked now: ten failures each within the last hour
    connection.exec_driver_sql(
        """INSERT INTO verification_attempts (at, manager_id, payer_code, outcome, client_ip, client_network)
           SELECT now() - (n * interval '1 minute'), 'bench', (1000000 + c * 997)::text, 'wrong_bill_password',
                  '198.51.100.7', '198.51.100.7'
           FROM generate_series(1, 50) AS c, generate_series(1, 10) AS n"""
    )


def timed(call, runs: int = RUNS) -> dict:
    call()  # warm: the first call of each kind plans and reads from disk
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(samples[-1], 1)}


def preview_file(rows: int) -> bytes:
    """A list like next month's: most payers as they were, some changed, some new."""
    out = io.StringIO()
    out.write("payer_code;bill_password;holder_name;address;unit\n")
    for i in range(rows):
        code = 1000000 + i * 7 if i % 10 else 3000000 + i  # every 10th is new
        out.write(f"{code};Geslo-{i:06d}x;Plačnik {i};Cesta {i % 5000} Ljubljana;{i % 40}\n")
    return out.getvalue().encode("utf-8")


def main() -> int:
    from registration_bridge import import_preview, payer_search, registry_overview, schema
    from registration_bridge.audit import Actor
    from registration_bridge.bill_passwords import BillPasswordHasher
    from registration_bridge.db import make_engine, make_session_factory
    from registration_bridge.settings import Settings

    OUT.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster(
        Path(tempfile.mkdtemp(prefix="bench-desk-")), free_port(), log_path=OUT / "desk-postgres.log", durable=True
    )
    url = ""
    result: dict = {"payers": PAYERS, "attempts": ATTEMPTS, "preview_rows": PREVIEW_ROWS}
    try:
        cluster.start()
        url = cluster.create_database("desk")
        engine = make_engine(url)
        schema.upgrade(engine)
        started = time.perf_counter()
        with engine.begin() as connection:
            # ten million rows fill fastest without their indexes, which are built again afterwards
            indexes = [
                (name, definition)
                for name, definition in connection.exec_driver_sql(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'verification_attempts' "
                    "AND indexname NOT LIKE '%%pkey'"
                )
            ]
            for name, _ in indexes:
                connection.exec_driver_sql(f"DROP INDEX {name}")
            for statement in FILL:
                connection.exec_driver_sql(statement)
            fill_attempts(connection)
            for _, definition in indexes:
                connection.exec_driver_sql(definition)
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        result["fill_seconds"] = round(time.perf_counter() - started, 1)
        print(f"filled {PAYERS:,} payers and {ATTEMPTS:,} checks in {result['fill_seconds']} s", flush=True)

        settings = Settings(database_url=url)
        sessions = make_session_factory(engine)
        searches = {
            "code": "1456789",
            "part of a code": "45678",
            "name": "Kranjc",
            "part of a name": "ik 4242",
            "address": "Cesta 1234 Celje",
            "unit": "17",
        }
        with sessions() as session:
            for kind, query in searches.items():
                result[f"search by {kind}"] = timed(
                    lambda q=query: payer_search.search_payers(session, settings, MANAGER, q)
                )
            result["payer page"] = timed(lambda: payer_search.payer_detail(session, settings, MANAGER, "1000997"))
            result["overview"] = timed(lambda: registry_overview.overview(session, settings, MANAGER))
            figures = registry_overview.overview(session, settings, MANAGER)
            result["overview figures"] = {
                "payers": figures.payers,
                "claimed": figures.claimed,
                "this week": figures.registrations_this_week,
                "locked now": figures.locked_now,
            }

        content = preview_file(PREVIEW_ROWS)
        with sessions() as session:
            started = time.perf_counter()
            preview = import_preview.stage_import(
                session, BillPasswordHasher("bench-key"), MANAGER, io.BytesIO(content), Actor("bench", "desk")
            )
            session.commit()
            result["preview seconds"] = round(time.perf_counter() - started, 2)
            result["preview figures"] = {
                "rows": preview.rows,
                "new": preview.new,
                "changed": preview.changed,
                "missing": preview.missing,
            }
        engine.dispose()
    finally:
        if os.environ.get("BENCH_DESK_KEEP"):  # for EXPLAIN ANALYZE afterwards: the database stays up
            print(f"kept: {url} (stop: kill the postgres of {cluster.directory})", flush=True)
        else:
            cluster.remove()

    (OUT / "desk.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nmanager's desk on PostgreSQL: {PAYERS:,} payers, {ATTEMPTS:,} checks (server time, {RUNS} runs)")
    print(f"{'what':<28} {'median':>10} {'max':>10}")
    for key, value in result.items():
        if isinstance(value, dict) and "median_ms" in value:
            print(f"{key:<28} {value['median_ms']:>8} ms {value['max_ms']:>7} ms")
    print(f"preview of {PREVIEW_ROWS:,} rows: {result['preview seconds']} s  {result['preview figures']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
