"""The bridge under gunicorn, as it runs in production, on free loopback ports with its own SQLite database:
for the tests of what a process boundary or a port decides (what the public port shows, which workers a slow
client can hold)."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from registration_bridge import create_app
from registration_bridge.signing import HEADER, sign

from devstack.layout import BRIDGE_GUNICORN_CONF, ROOT, VENV_BIN, free_port
from devstack.services import Service, http_ok

from .support import (
    BILL_PASSWORD_KEY,
    CALLBACK_SECRET,
    MANAGER_ID,
    MANAGER_NAME,
    SEED_CSV,
    VERIFY,
    add_manager,
    import_csv,
    make_settings,
)


@dataclass
class RunningBridge:
    callbacks_url: str  # what Keycloak calls (the "public" port of the bridge)
    admin_url: str  # the admin API (payer lists), behind the reverse proxy
    metrics_url: str  # for the Prometheus scraper only
    admin_address: tuple[str, int]
    services: list[Service]

    def verify(self, body: dict, timeout: float = 3) -> requests.Response:
        """A signed verify call as Keycloak makes it, on a connection of its own."""
        raw = json.dumps({"request_id": uuid.uuid4().hex, **body}).encode()
        headers = {
            HEADER: sign(CALLBACK_SECRET, "POST", VERIFY, raw),
            "Content-Type": "application/json",
            "Connection": "close",
        }
        return requests.post(f"{self.callbacks_url}{VERIFY}", data=raw, timeout=timeout, headers=headers)


def _bind(port: int) -> str:
    return f"127.0.0.1:{port}"


@contextmanager
def gunicorn_bridge(directory: Path, **environment: str) -> Iterator[RunningBridge]:
    """Both processes of the bridge (callbacks, admin API) on one seeded SQLite database, stopped at the end."""
    database_url = f"sqlite:///{directory / 'bridge.sqlite3'}"
    app = create_app(make_settings(database_url))
    add_manager(app, MANAGER_ID, MANAGER_NAME)
    import_csv(app, MANAGER_ID, SEED_CSV)
    app.extensions["bridge.engine"].dispose()
    callbacks, admin, metrics, admin_metrics = free_port(), free_port(), free_port(), free_port()
    env = {
        "DATABASE_URL": database_url,
        "BRIDGE_CALLBACK_SECRET": CALLBACK_SECRET,
        "BRIDGE_BILL_PASSWORD_KEY": BILL_PASSWORD_KEY,
        "BRIDGE_LOG_FORMAT": "text",
        **environment,
    }
    gunicorn = [VENV_BIN / "gunicorn", "--config", BRIDGE_GUNICORN_CONF, "--bind"]
    services = [
        Service(
            "bridge callbacks",
            [*gunicorn, _bind(callbacks)],
            env={
                **env,
                "BRIDGE_ROLE": "callbacks",
                "BRIDGE_METRICS_BIND": _bind(metrics),
                "PROMETHEUS_MULTIPROC_DIR": str(directory / "metrics-callbacks"),
            },
            cwd=ROOT,
            log_path=directory / "callbacks.log",
            ready=http_ok(f"http://127.0.0.1:{callbacks}/healthz"),
            ready_timeout=60,
        ),
        Service(
            "bridge admin API",
            [*gunicorn, _bind(admin)],
            env={
                **env,
                "BRIDGE_ROLE": "admin",
                "BRIDGE_METRICS_BIND": _bind(admin_metrics),
                "PROMETHEUS_MULTIPROC_DIR": str(directory / "metrics-admin"),
            },
            cwd=ROOT,
            log_path=directory / "admin.log",
            ready=http_ok(f"http://127.0.0.1:{admin}/healthz"),
            ready_timeout=60,
        ),
    ]
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
        yield RunningBridge(
            f"http://127.0.0.1:{callbacks}",
            f"http://127.0.0.1:{admin}",
            f"http://127.0.0.1:{metrics}",
            ("127.0.0.1", admin),
            services,
        )
    finally:
        for service in services:
            service.stop()


def slow_client(address: tuple[str, int]) -> socket.socket:
    """A connection that has sent the start of an upload's request and then trickles (the caller sends more)."""
    connection = socket.create_connection(address, timeout=5)
    connection.sendall(f"POST /v1/managers/{MANAGER_ID}/payers HTTP/1.1\r\nHost: bridge\r\n".encode())
    return connection
