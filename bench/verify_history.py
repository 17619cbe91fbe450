"""Benchmark: verify on PostgreSQL with a grown registry: 1 000 000 payers and 10 000 000 payer checks of the last
90 days. The guessing limits count recent failures only; this shows that their queries (and the insert of each
check's row) do not slow down with the history behind them.

Starts a durable PostgreSQL cluster on loopback, imports the bench's own payers (2 000, real keyed hashes of the
passwords the client sends) through the command line, then fills the rest with server-side SQL (INSERT … SELECT
generate_series): the other payers (one real keyed hash reused for all: nobody verifies them), 60 % of them
registered, and the checks spread over 90 days (80 % verified, 15 % wrong bill password, 5 % unknown code; client
IPs older than a day cut to their /24 as retention.py does), plus failures inside the guessing windows: 50 codes
locked in the last hour, two recent failures of each bench payer. VACUUM ANALYZE, then gunicorn as in production
and the open loop of verify_load.py: 1 000 calls at 200 req/s, three times (the median p99 is the figure). Also
prints the database's size per million payers and per million checks (pg_total_relation_size) and the plans of
the guessing queries (EXPLAIN ANALYZE). Writes var/bench/verify-history.json.

BENCH_HISTORY_PAYERS / BENCH_HISTORY_ATTEMPTS / BENCH_HISTORY_DAYS make it smaller for a quick run; with the
defaults the fill takes some minutes.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import verify_load  # noqa: E402
from verify_load import OUT, PAYERS, bridge_env, free_port, payer, seed, start_bridge  # noqa: E402

from devstack.postgres import PostgresCluster  # noqa: E402

FILLER_PAYERS = int(os.environ.get("BENCH_HISTORY_PAYERS", "1000000"))
ATTEMPTS = int(os.environ.get("BENCH_HISTORY_ATTEMPTS", "10000000"))
DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "90"))
MANAGER = "staninvest"
FILLER_CODE = 1_000_000  # the generated payers' codes start here (the bench's own: 500000 + i)
FILLED_TABLES = ("payers", "claims", "verification_attempts")
CHUNK = 1_000_000


def filler_statements(filler_hash: str) -> list[tuple[str, dict | None]]:
    """The payers and claims besides the bench's own, as plain SQL run by the server."""
    return [
        (
            f"""INSERT INTO payers (manager_id, payer_code, bill_password_hash, holder_name, address, unit, updated_at)
                SELECT '{MANAGER}', ({FILLER_CODE} + i)::text, %(hash)s,
                       'Plačnik ' || i || ' '
                           || (ARRAY['Novak','Horvat','Kranjc','Zupan','Kovač','Krajnc'])[1 + i %% 6],
                       'Cesta ' || (i %% 5000) || ' '
                           || (ARRAY['Ljubljana','Maribor','Celje','Kranj','Koper'])[1 + i %% 5],
                       (i %% 40)::text, now()
                FROM generate_series(0, {FILLER_PAYERS - 1}) AS i""",
            {"hash": filler_hash},
        ),
        (
            f"""INSERT INTO claims (payer_id, manager_id, keycloak_user_id, claimed_at)
                SELECT id, '{MANAGER}', md5(id::text), now() - (id % 365) * interval '1 day'
                FROM payers WHERE manager_id = '{MANAGER}' AND payer_code::bigint >= {FILLER_CODE} AND id % 10 < 6""",
            None,
        ),
    ]


def attempts_chunk(start: int, size: int) -> str:
    """Checks start … start + size - 1, at random moments of the last DAYS days; 2 % of them of the bench's own
    payers (only those older than a day: their recent ones are added apart), 5 % of codes nobody has."""
    return f"""
        INSERT INTO verification_attempts (at, manager_id, payer_code, outcome, client_ip, client_network)
        SELECT at, '{MANAGER}', code, outcome, ip, ip
        FROM (
            SELECT g.at,
                   CASE WHEN r < 0.80 THEN 'verified' WHEN r < 0.95 THEN 'wrong_bill_password'
                        ELSE 'unknown_payer' END AS outcome,
                   CASE WHEN r >= 0.95 THEN (9000000 + (random() * 999999)::int)::text
                        WHEN c < 0.02 THEN (500000 + (random() * {PAYERS - 1})::int)::text
                        ELSE ({FILLER_CODE} + (random() * {FILLER_PAYERS - 1})::int)::text END AS code,
                   CASE WHEN g.at < now() - interval '1 day' THEN '192.0.' || (i % 250) || '.0/24'
                        ELSE '192.0.' || (i % 250) || '.' || (i % 200) END AS ip
            FROM (SELECT i, random() AS r, random() AS c, now() - random() * interval '{DAYS} days' AS at
                  FROM generate_series({start}, {start + size - 1}) AS i) AS g
        ) AS attempts
        WHERE NOT (code::bigint BETWEEN 500000 AND {500000 + PAYERS - 1} AND at > now() - interval '1 day')"""


RECENT_FAILURES = [
    # 50 codes locked now: ten failures each within the last hour, from one network
    f"""INSERT INTO verification_attempts (at, manager_id, payer_code, outcome, client_ip, client_network)
        SELECT now() - (n * interval '1 minute'), '{MANAGER}', ({FILLER_CODE} + c * 997)::text,
               'wrong_bill_password', '198.51.100.7', '198.51.100.7'
        FROM generate_series(1, 50) AS c, generate_series(1, 10) AS n""",
    # each bench payer: two failures in the last 24 h (below the delay's threshold of 3: its right password passes)
    f"""INSERT INTO verification_attempts (at, manager_id, payer_code, outcome, client_ip, client_network)
        SELECT now() - ((1 + (i * 7 + n * 5) % 23) * interval '1 hour'), '{MANAGER}', (500000 + i)::text,
               'wrong_bill_password', '203.0.113.' || (i % 250), '203.0.113.' || (i % 250)
        FROM generate_series(0, {PAYERS - 1}) AS i, generate_series(1, 2) AS n""",
]


def fill(connection) -> dict:
    """Everything besides the bench's payers, without the secondary indexes (built again after, as a restore
    does), then VACUUM ANALYZE; returns the seconds each step took."""
    from registration_bridge.bill_passwords import BillPasswordHasher
    from registration_bridge.settings import Settings

    steps = {}
    started = time.perf_counter()
    cursor = connection.cursor()
    cursor.execute("SET maintenance_work_mem = '256MB'")
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes
           WHERE tablename = ANY(%s) AND NOT EXISTS (SELECT FROM pg_constraint WHERE conname = indexname)""",
        (list(FILLED_TABLES),),
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # one real keyed hash (that of the bridge's key, as for the bench's payers), never verified against
    filler_hash = BillPasswordHasher(Settings().bill_password_key).digest(MANAGER, str(FILLER_CODE), "Filler-1")
    for statement, parameters in filler_statements(filler_hash):
        cursor.execute(statement, parameters)
    connection.commit()
    steps["payers_and_claims_s"] = round(time.perf_counter() - started, 1)
    for start in range(0, ATTEMPTS, CHUNK):
        cursor.execute(attempts_chunk(start, min(CHUNK, ATTEMPTS - start)))
        connection.commit()
        print(f"  checks: {min(start + CHUNK, ATTEMPTS):,} of {ATTEMPTS:,}", flush=True)
    for statement in RECENT_FAILURES:
        cursor.execute(statement)
    connection.commit()
    steps["attempts_s"] = round(time.perf_counter() - started - steps["payers_and_claims_s"], 1)
    mark = time.perf_counter()
    for _, definition in indexes:
        cursor.execute(definition)
    connection.commit()
    steps["indexes_s"] = round(time.perf_counter() - mark, 1)
    mark = time.perf_counter()
    connection.autocommit = True
    cursor.execute("VACUUM ANALYZE")
    connection.autocommit = False
    steps["vacuum_analyze_s"] = round(time.perf_counter() - mark, 1)
    return steps


def sizes(connection) -> dict:
    """Rows and bytes (with indexes and TOAST) of the tables that grow, and of the whole database."""
    cursor = connection.cursor()
    result = {}
    for table in FILLED_TABLES:
        cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}'), pg_relation_size('{table}') FROM {table}")
        rows, total, heap = cursor.fetchone()
        result[table] = {"rows": rows, "total_mb": round(total / 1e6, 1), "heap_mb": round(heap / 1e6, 1)}
    cursor.execute("SELECT pg_database_size(current_database())")
    result["database_mb"] = round(cursor.fetchone()[0] / 1e6, 1)
    payers, attempts = result["payers"], result["verification_attempts"]
    result["mb_per_million_payers"] = round(
        (payers["total_mb"] + result["claims"]["total_mb"]) / payers["rows"] * 1e6, 1
    )
    result["mb_per_million_attempts"] = round(attempts["total_mb"] / attempts["rows"] * 1e6, 1)
    return result


def explain(connection) -> dict:
    """EXPLAIN ANALYZE of the guessing queries, as the bridge sends them, for a bench payer and a busy network."""
    from registration_bridge import guessing
    from registration_bridge.models import utcnow
    from sqlalchemy.dialects import postgresql

    now = utcnow()
    queries = {
        "payer failures": (
            guessing._PAYER_FAILURES,
            {"manager_id": MANAGER, "payer_code": payer(7)[0], "since": now - timedelta(hours=24)},
        ),
        "locked payer failures": (
            guessing._PAYER_FAILURES,
            {"manager_id": MANAGER, "payer_code": str(FILLER_CODE + 997), "since": now - timedelta(hours=24)},
        ),
        "network failures": (
            guessing._NETWORK_FAILURES,
            {"network": "198.51.100.7", "since": now - timedelta(hours=1)},
        ),
        "overall failures": (guessing._OVERALL_FAILURES, {"since": now - timedelta(hours=1), "limit": 10000}),
    }
    plans = {}
    cursor = connection.cursor()
    for name, (query, parameters) in queries.items():
        compiled = query.compile(dialect=postgresql.psycopg.dialect())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), {**compiled.params, **parameters})
        plans[name] = [row[0] for row in cursor.fetchall()]
    connection.rollback()
    return plans


def server_durations(log: Path, offset: int) -> dict:
    """The bridge's own time per verify call (its access log's duration_us) from `offset` on: without the client's
    share of the cores, which on a busy machine is much of the wall time."""
    with open(log, "rb") as f:
        f.seek(offset)
        values = sorted(
            int(part.split(b"=", 1)[1]) / 1000
            for line in f
            if b"/v1/registrations/verify" in line
            for part in line.split()
            if part.startswith(b"duration_us=")
        )
    if not values:
        return {}
    return {
        "p50_ms": round(verify_load.percentile(values, 50), 1),
        "p99_ms": round(verify_load.percentile(values, 99), 1),
    }


def main() -> int:
    import psycopg

    OUT.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster(
        Path(tempfile.mkdtemp(prefix="bench-history-")),
        free_port(),
        log_path=OUT / "verify-history-postgres.log",
        durable=True,
    )
    result: dict = {"payers": FILLER_PAYERS + PAYERS, "attempts": ATTEMPTS, "days": DAYS}
    bridges = []
    try:
        cluster.start()
        envs = {}
        for kind in ("history", "baseline"):
            envs[kind] = {
                **bridge_env(cluster.create_database(kind)),
                # the history reaches DAYS back: kept that long (the default is 30 days), and no retention pass
                # deleting rows while the bench measures
                "BRIDGE_RETENTION_DAYS": str(DAYS),
                "BRIDGE_RETENTION_PASS_SECONDS": "86400",
            }
            seed(envs[kind])  # migrates the database, adds the manager, imports the bench's payers
        started = time.perf_counter()
        url = envs["history"]["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as connection:
            result["fill"] = fill(connection)
            result["fill"]["total_s"] = round(time.perf_counter() - started, 1)
            print(f"filled in {result['fill']['total_s']} s: {result['fill']}", flush=True)
            result["sizes"] = sizes(connection)
            result["plans"] = explain(connection)
        with psycopg.connect(envs["baseline"]["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")) as c:
            c.autocommit = True
            c.execute("VACUUM ANALYZE")
        # both bridges side by side, their runs alternating: on a shared machine the load of the moment moves the
        # tail more than anything, and so it moves both alike (the baseline: the same bridge, no history)
        ports, offsets = {}, {}
        for kind, env in envs.items():
            ports[kind] = free_port()
            bridges.append(start_bridge(env, ports[kind], log_name=f"verify-{kind}-bridge.log"))
            verify_load.asyncio.run(verify_load.open_loop(ports[kind], 50))  # warm: plans, caches, both workers
            offsets[kind] = (OUT / f"verify-{kind}-bridge.log").stat().st_size
        runs: dict[str, list[dict]] = {kind: [] for kind in envs}
        for _ in range(verify_load.OPEN_LOOP_RUNS):
            for kind in envs:
                runs[kind].append(verify_load.asyncio.run(verify_load.open_loop(ports[kind], verify_load.FIXED_RATE)))
        for kind in envs:
            result[kind] = {
                **sorted(runs[kind], key=lambda r: r["p99_ms"])[len(runs[kind]) // 2],  # the median p99's run
                "p99_ms_runs": [r["p99_ms"] for r in runs[kind]],
                "errors": sum(r["errors"] for r in runs[kind]),
                "requests": sum(r["requests"] for r in runs[kind]),
                "server": server_durations(OUT / f"verify-{kind}-bridge.log", offsets[kind]),
            }
    finally:
        for bridge in bridges:
            bridge.stop()
        cluster.remove()

    (OUT / "verify-history.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    for name, plan in result["plans"].items():
        print(f"\nEXPLAIN ANALYZE, {name}:\n  " + "\n  ".join(plan))
    s = result["sizes"]
    print(f"\ndatabase: {s['database_mb']} MB")
    for table in FILLED_TABLES:
        print(
            f"  {table:<22} {s[table]['rows']:>11,} rows {s[table]['total_mb']:>9} MB (heap {s[table]['heap_mb']} MB)"
        )
    print(
        f"  per million payers (payers + claims, 60 % registered): {s['mb_per_million_payers']} MB; "
        f"per million checks: {s['mb_per_million_attempts']} MB"
    )
    for kind, label in (
        ("history", f"{result['payers']:,} payers and {ATTEMPTS:,} checks over {DAYS} days"),
        ("baseline", f"{PAYERS:,} payers, no history"),
    ):
        fixed = result[kind]
        print(
            f"verify on postgresql, {label}: open loop at {fixed['rate']} req/s, median of "
            f"{len(fixed['p99_ms_runs'])} runs: p50 {fixed['p50_ms']} ms, p99 {fixed['p99_ms']} ms (runs: "
            f"{', '.join(map(str, fixed['p99_ms_runs']))}), errors {fixed['errors']} of {fixed['requests']}; "
            f"bridge's own time p50 {fixed['server'].get('p50_ms')} ms, p99 {fixed['server'].get('p99_ms')} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
