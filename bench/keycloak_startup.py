"""Benchmark: Keycloak's start-up to ready in production mode, with our provider JAR and without it.

Two Keycloak homes under var/bench/startup/ are copied from the pinned distribution, one with
esoseska-keycloak.jar in providers/, one without; each gets `kc.sh build` (H2 file database, health on) and a first
`start --optimized` that creates its database (not measured). Then timed starts alternate between the two homes
(with, without, without, with, ...). A start is timed from launching kc.sh to /health/ready answering 200 on the
management port, polled every 50 ms; Quarkus's own "started in" figure is recorded beside it. Prints a table and
writes var/bench/startup.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.layout import PROVIDER_JAR, VAR, free_port, keycloak_dist, keycloak_version  # noqa: E402
from devstack.services import Service  # noqa: E402

OUT = VAR / "bench"
RUNS = int(os.environ.get("BENCH_STARTUP_RUNS", "4"))  # timed starts per home
STARTED_IN = re.compile(r"started in (\d+\.\d+)s")
BUILD_OPTIONS = ["--db=dev-file", "--health-enabled=true"]


def prepare_home(home: Path, with_jar: bool) -> None:
    if home.exists():
        shutil.rmtree(home)
    shutil.copytree(keycloak_dist(), home, symlinks=True)
    if with_jar:
        shutil.copy2(PROVIDER_JAR, home / "providers" / PROVIDER_JAR.name)
    subprocess.run(
        [home / "bin" / "kc.sh", "build", *BUILD_OPTIONS],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def start_once(home: Path, log: Path) -> dict:
    """Start Keycloak --optimized, wait for ready, stop it; seconds to ready and Quarkus's own figure."""
    port, management = free_port(), free_port()
    log.unlink(missing_ok=True)
    keycloak = Service(
        "Keycloak",
        [
            home / "bin" / "kc.sh",
            "start",
            "--optimized",
            "--http-enabled=true",
            f"--http-port={port}",
            f"--http-management-port={management}",
            f"--hostname=http://localhost:{port}",
        ],
        env={"KC_BOOTSTRAP_ADMIN_USERNAME": "admin", "KC_BOOTSTRAP_ADMIN_PASSWORD": "admin"},
        cwd=home,
        log_path=log,
        ready=lambda: False,
        ready_timeout=0,
    )
    started = time.perf_counter()
    keycloak.start()
    try:
        while True:
            if not keycloak.running:
                raise RuntimeError(f"Keycloak exited; see {log}:\n{keycloak.log_tail()}")
            try:
                if requests.get(f"http://127.0.0.1:{management}/health/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.perf_counter() - started > 240:
                raise RuntimeError(f"Keycloak not ready after 240 s; see {log}")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        keycloak.stop()
    quarkus = STARTED_IN.findall(log.read_text(errors="replace"))
    return {"ready_s": round(seconds, 2), "quarkus_started_in_s": float(quarkus[-1]) if quarkus else None}


def main() -> None:
    base = OUT / "startup"
    homes = {True: base / "with-jar", False: base / "without-jar"}
    for with_jar, home in homes.items():
        prepare_home(home, with_jar)
        start_once(home, base / f"{home.name}-first.log")  # creates the database: not measured
    runs = {True: [], False: []}
    for i in range(RUNS):
        for with_jar in (True, False) if i % 2 == 0 else (False, True):
            runs[with_jar].append(start_once(homes[with_jar], base / f"{homes[with_jar].name}.log"))

    def median(with_jar: bool, key: str) -> float:
        return round(statistics.median(r[key] for r in runs[with_jar]), 2)

    result = {
        "keycloak": keycloak_version(),
        "runs_per_home": RUNS,
        **{
            ("with_jar" if w else "without_jar"): {
                "runs": runs[w],
                "median_ready_s": median(w, "ready_s"),
                "median_quarkus_s": median(w, "quarkus_started_in_s"),
            }
            for w in (True, False)
        },
    }
    result["added_by_jar_s"] = round(result["with_jar"]["median_ready_s"] - result["without_jar"]["median_ready_s"], 2)
    print(f"Keycloak {keycloak_version()} start --optimized to ready (H2 file DB; {RUNS} alternating runs each)")
    print(f"{'':>12} {'median s to ready':>18} {'median Quarkus s':>17}  runs (s to ready)")
    for w, label in ((True, "with JAR"), (False, "without JAR")):
        print(
            f"{label:>12} {median(w, 'ready_s'):>18} {median(w, 'quarkus_started_in_s'):>17}  "
            f"{', '.join(str(r['ready_s']) for r in runs[w])}"
        )
    print(f"our JAR adds {result['added_by_jar_s']} s to the median start-up")
    (OUT / "startup.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
