"""Benchmark: payer import rows per second and peak memory, for generated lists of payers: 100 000 and 1 000 000 into
SQLite, 1 000 000 and 5 000 000 into PostgreSQL (COPY into a temporary table, then one upsert).

Each size runs in its own process (so its peak memory is its own), against a fresh database: a SQLite file under
var/bench/, or a new database of a durable PostgreSQL cluster on loopback the bench starts. Beside the wall time the
importing process's CPU time, the PostgreSQL server's (its processes' CPU while the import ran, from /proc), and what
the keyed hashes of the bill passwords cost (the same hashes again, timed alone). Then the same process imports next
month's list (the same payers, every 10th changed): "again". Prints a table and writes
var/bench/import.json. BENCH_IMPORT_SIZES / BENCH_IMPORT_POSTGRES_SIZES / BENCH_IMPORT_DATABASES choose the runs.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
SIZES = {
    "sqlite": [int(n) for n in os.environ.get("BENCH_IMPORT_SIZES", "100000,1000000").split(",")],
    "postgresql": [int(n) for n in os.environ.get("BENCH_IMPORT_POSTGRES_SIZES", "1000000,5000000").split(",")],
}
DATABASES = os.environ.get("BENCH_IMPORT_DATABASES", "sqlite,postgresql").split(",")


def generate(path: Path, rows: int, changed_every: int = 0) -> None:
    """A list of `rows` payers; with changed_every, that list a month later: every so many a new holder."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("payer_code,bill_password,holder_name,address,unit\n")
        for i in range(rows):
            holder = f"Novi lastnik {i}" if changed_every and i % changed_every == 0 else f"Plačnik {i}"
            f.write(f"{1000000 + i},Geslo-{i * 7919 % 100000:05d}x,{holder},Cesta {i % 500} Ljubljana,{i % 40}\n")


def server_cpu_seconds(postmaster: int | None) -> float:
    """CPU seconds so far of a PostgreSQL server: its postmaster and the processes it started (the import's
    backend, the WAL writer, the checkpointer, …); 0 for SQLite (in the importing process)."""
    if postmaster is None:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_one(rows: int, database_url: str, postmaster: int | None) -> dict:
    """In a child process: import the file and report time and peak memory."""
    from registration_bridge import create_app
    from registration_bridge.csv_import import PayerImport
    from registration_bridge.settings import Settings

    if database_url.startswith("sqlite"):
        db = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    app = create_app(Settings(database_url=database_url))
    with app.app_context():
        from registration_bridge.context import db_session, registry

        registry().add_manager("bench", "Bench d.o.o.")
        db_session().commit()
        csv_path = OUT / f"payers-{rows}.csv"
        hasher = app.extensions["bridge.hasher"]
        server_started = server_cpu_seconds(postmaster)
        started, cpu_started = time.perf_counter(), time.process_time()
        with open(csv_path, "rb") as f:
            report = PayerImport(db_session(), hasher).run("bench", f)
            db_session().commit()  # as the request or the command does (transactions.py)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        server_seconds = server_cpu_seconds(postmaster) - server_started
        # next month's list: the same payers again, every 10th of them changed (the first import inserted them all)
        changed_path = OUT / f"payers-{rows}-changed.csv"
        if not changed_path.exists():
            generate(changed_path, rows, changed_every=10)
        started_again = time.perf_counter()
        with open(changed_path, "rb") as f:
            again = PayerImport(db_session(), hasher).run("bench", f)
            db_session().commit()
        reimport_seconds = time.perf_counter() - started_again
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # what the keyed hashes alone cost: the same digests again (codes and passwords as the generator makes them)
    hash_started = time.process_time()
    for i in range(rows):
        hasher.digest("bench", str(1000000 + i), f"Geslo-{i * 7919 % 100000:05d}x")
    hash_seconds = time.process_time() - hash_started
    # CPU seconds beside wall seconds: on a busy machine the wall figure waits for other processes too
    return {
        "rows": report.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(report.rows / seconds),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows_per_cpu_second": round(report.rows / cpu_seconds),
        "server_cpu_seconds": round(server_seconds, 2),
        "hash_cpu_seconds": round(hash_seconds, 2),
        "reimport_seconds": round(reimport_seconds, 2),
        "reimport_rows_per_second": round(again.rows / reimport_seconds),
        "reimport_updated": again.updated,
        "peak_memory_mb": round(peak_mb, 1),
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
    }


def import_in_child(rows: int, database_url: str, postmaster: int | None) -> dict:
    csv_path = OUT / f"payers-{rows}.csv"
    if not csv_path.exists():
        generate(csv_path, rows)
    child = subprocess.run(
        [sys.executable, __file__, "--one", str(rows), database_url, str(postmaster or "")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "registration-bridge")},
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(run_one(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]) if sys.argv[4] else None)))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict]] = {}
    if "sqlite" in DATABASES:
        results["sqlite"] = [
            import_in_child(n, f"sqlite:///{OUT / f'import-{n}.sqlite3'}", None) for n in SIZES["sqlite"]
        ]
    if "postgresql" in DATABASES:
        sys.path.insert(0, str(ROOT))
        from devstack.layout import free_port
        from devstack.postgres import PostgresCluster

        cluster = PostgresCluster(
            Path(tempfile.mkdtemp(prefix="bench-import-")),
            free_port(),
            log_path=OUT / "import-postgres.log",
            durable=True,
        )
        try:
            cluster.start()
            results["postgresql"] = []
            for n in SIZES["postgresql"]:
                url = cluster.create_database(f"import_{n}")
                from registration_bridge import schema
                from registration_bridge.db import make_engine

                engine = make_engine(url)
                schema.upgrade(engine)
                engine.dispose()
                postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
                results["postgresql"].append(import_in_child(n, url, postmaster))
                cluster.drop_database(f"import_{n}")
        finally:
            cluster.remove()
    for database, runs in results.items():
        print(f"payer import ({'SQLite file' if database == 'sqlite' else 'PostgreSQL, COPY'}, one transaction)")
        print(
            f"{'payers':>10} {'seconds':>8} {'rows/s':>9} {'CPU s':>7} {'rows/CPU s':>11} {'server CPU s':>12} "
            f"{'hash CPU s':>10} {'again s':>8} {'again rows/s':>12} {'peak MB':>8} {'file MB':>8}"
        )
        for r in runs:
            print(
                f"{r['rows']:>10} {r['seconds']:>8} {r['rows_per_second']:>9} {r['cpu_seconds']:>7} "
                f"{r['rows_per_cpu_second']:>11} {r['server_cpu_seconds']:>12} {r['hash_cpu_seconds']:>10} "
                f"{r['reimport_seconds']:>8} {r['reimport_rows_per_second']:>12} {r['peak_memory_mb']:>8} "
                f"{r['file_mb']:>8}"
            )
    (OUT / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
