"""Benchmark: peak memory of the admin API's gunicorn worker while it imports an uploaded payer list of 200 MB of
short rows (the issue's bound: under 300 MB RSS), and how long the upload took.

Starts the admin API (BRIDGE_ROLE=admin, gunicorn.conf.py) on a SQLite file under var/bench/, with a local stand-in
for Keycloak's published keys (the token is signed by a local key, as in the unit tests), streams the file as a
text/csv body, then reads the worker's VmHWM (peak resident set) from /proc. BENCH_UPLOAD_MB sets the size
(default 200, i.e. 200 000 000 bytes, under BRIDGE_MAX_UPLOAD_BYTES). Prints one line and writes
var/bench/upload-memory.json.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.layout import BRIDGE_GUNICORN_CONF, VENV_BIN, free_port  # noqa: E402
from devstack.services import Service, http_ok  # noqa: E402
from tests.unit import tokens  # noqa: E402

OUT = ROOT / "var" / "bench"
SIZE = int(os.environ.get("BENCH_UPLOAD_MB", "200")) * 1_000_000
MANAGER = "bench"


def generate(path: Path, size: int) -> int:
    """Short rows (payer code, bill password) up to `size` bytes; returns the number of rows."""
    rows = 0
    with open(path, "w", encoding="ascii", newline="") as f:
        written = f.write("payer_code,bill_password\n")
        while written < size - 32:
            chunk = "".join(f"{10_000_000 + i},G{i * 7919 % 1_000_000:06d}\n" for i in range(rows, rows + 10_000))
            written += f.write(chunk)
            rows += 10_000
    return rows


def keys_server(jwks: dict) -> ThreadingHTTPServer:
    body = json.dumps(jwks).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"upload-{SIZE // 1_000_000}mb.csv"
    rows = generate(csv_path, SIZE)
    db = OUT / "upload-memory.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    key = tokens.SigningKey()
    keys = keys_server(tokens.jwks(key))
    keycloak = f"http://127.0.0.1:{keys.server_address[1]}"
    env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "BRIDGE_ROLE": "admin",
        "KEYCLOAK_URL": keycloak,
        "KEYCLOAK_PUBLIC_URL": keycloak,
        "KEYCLOAK_REALM": tokens.REALM,
        "BRIDGE_LOG_FORMAT": "text",
        "BRIDGE_METRICS_BIND": f"127.0.0.1:{free_port()}",
    }
    cli = str(VENV_BIN / "registration-bridge")
    import subprocess

    subprocess.run(
        [cli, "add-manager", "--bridge-only", MANAGER, "--name", "Bench d.o.o."],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    admin = Service(
        "admin API",
        [VENV_BIN / "gunicorn", "--config", BRIDGE_GUNICORN_CONF, "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        log_path=OUT / "upload-memory-bridge.log",
        ready=http_ok(f"http://127.0.0.1:{port}/healthz"),
        ready_timeout=60,
    )
    admin.start().wait_ready()
    try:
        claims = tokens.access_claims(roles=["platform-admin"], lifetime=3600, iss=f"{keycloak}/realms/{tokens.REALM}")
        started = time.perf_counter()
        with open(csv_path, "rb") as body:
            response = requests.post(
                f"http://127.0.0.1:{port}/v1/managers/{MANAGER}/payers",
                data=body,
                headers={"Authorization": f"Bearer {key.sign(claims)}", "Content-Type": "text/csv"},
                timeout=3600,
            )
        seconds = time.perf_counter() - started
        workers = children(admin.process.pid)
        peak_mb = max(status_kb(pid, "VmHWM") for pid in workers) / 1024
    finally:
        admin.stop()
        keys.shutdown()
    result = {
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "rows": rows,
        "status": response.status_code,
        "answer": response.json()
        if response.headers.get("Content-Type", "").startswith("application/json")
        else response.text[:200],
        "seconds": round(seconds, 1),
        "worker_peak_rss_mb": round(peak_mb, 1),
    }
    print(
        f"upload of {result['file_mb']} MB ({rows} rows): {response.status_code} in {result['seconds']} s, "
        f"admin worker peak RSS {result['worker_peak_rss_mb']} MB"
    )
    (OUT / "upload-memory.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
