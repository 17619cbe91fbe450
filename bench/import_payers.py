"""Benchmark: payer import rows per second and peak memory, for generated lists of 100 000 and 1 000 000 payers.

Each size runs in its own process (so its peak memory is its own), against a fresh SQLite database under
var/bench/. Prints a table and writes var/bench/import.json.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
SIZES = [int(n) for n in os.environ.get("BENCH_IMPORT_SIZES", "100000,1000000").split(",")]


def generate(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("payer_code,bill_password,holder_name,address,unit\n")
        for i in range(rows):
            f.write(f"{1000000 + i},Geslo-{i * 7919 % 100000:05d}x,Plačnik {i},Cesta {i % 500} Ljubljana,{i % 40}\n")


def run_one(rows: int) -> dict:
    """In a child process: import the file and report time and peak memory."""
    from registration_bridge import create_app
    from registration_bridge.csv_import import PayerImport
    from registration_bridge.settings import Settings

    db = OUT / f"import-{rows}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    app = create_app(Settings(database_url=f"sqlite:///{db}"))
    with app.app_context():
        from registration_bridge.context import db_session, registry

        registry().add_manager("bench", "Bench d.o.o.")
        db_session().commit()
        csv_path = OUT / f"payers-{rows}.csv"
        started, cpu_started = time.perf_counter(), time.process_time()
        with open(csv_path, "rb") as f:
            report = PayerImport(db_session(), app.extensions["bridge.hasher"]).run("bench", f)
            db_session().commit()  # as the request or the command does (transactions.py)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU seconds beside wall seconds: on a busy machine the wall figure waits for other processes too
    return {
        "rows": report.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(report.rows / seconds),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows_per_cpu_second": round(report.rows / cpu_seconds),
        "peak_memory_mb": round(peak_mb, 1),
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(run_one(int(sys.argv[2]))))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for rows in SIZES:
        csv_path = OUT / f"payers-{rows}.csv"
        if not csv_path.exists():
            generate(csv_path, rows)
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(rows)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "registration-bridge")},
        )
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    print("payer import (SQLite file, one transaction)")
    print(f"{'payers':>10} {'seconds':>8} {'rows/s':>9} {'CPU s':>7} {'rows/CPU s':>11} {'peak MB':>8} {'file MB':>8}")
    for r in results:
        print(
            f"{r['rows']:>10} {r['seconds']:>8} {r['rows_per_second']:>9} {r['cpu_seconds']:>7} "
            f"{r['rows_per_cpu_second']:>11} {r['peak_memory_mb']:>8} {r['file_mb']:>8}"
        )
    (OUT / "import.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
