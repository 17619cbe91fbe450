"""Where things are: the repo, its caches, the pinned Keycloak version, and the ports of a stack."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
VAR = ROOT / "var"
VENV_BIN = ROOT / ".venv" / "bin"
POM = ROOT / "keycloak-theme" / "pom.xml"
PROVIDER_JAR = ROOT / "keycloak-theme" / "target" / "esoseska-keycloak.jar"
REALM_FILE = ROOT / "realm-export.json"
DEMO_DIR = ROOT / "registration-bridge" / "demo"
# gunicorn settings of the bridge, shared by the local run and registration-bridge/Dockerfile
BRIDGE_GUNICORN_CONF = ROOT / "registration-bridge" / "gunicorn.conf.py"
MAILDEV = ROOT / "node_modules" / ".bin" / "maildev"
REALM = "esoseska"


def keycloak_version() -> str:
    """The one pinned Keycloak version: the `keycloak.version` property of keycloak-theme/pom.xml."""
    match = re.search(r"<keycloak\.version>([^<]+)</keycloak\.version>", POM.read_text())
    if not match:
        raise RuntimeError(f"no <keycloak.version> in {POM}")
    return match.group(1).strip()


def keycloak_dist() -> Path:
    return CACHE / f"keycloak-{keycloak_version()}"


@dataclass(frozen=True)
class Ports:
    keycloak: int
    keycloak_management: int
    bridge: int
    smtp: int
    mail_web: int
    portal: int
    bridge_admin: int  # the bridge's admin API (its own gunicorn: uploads never hold a callback's worker)
    bridge_metrics: int  # Prometheus scrapes of the bridge's callbacks process
    bridge_admin_metrics: int  # ... and of its admin API process
    desk: int  # the manager's desk (the office staff's web pages)
    desk_metrics: int

    @classmethod
    def dev(cls) -> Ports:
        return cls(
            keycloak=8080,
            keycloak_management=9000,
            bridge=8000,
            smtp=1025,
            mail_web=8025,
            portal=5000,
            bridge_admin=8001,
            bridge_metrics=9100,
            bridge_admin_metrics=9101,
            desk=8100,
            desk_metrics=9102,
        )

    @classmethod
    def free(cls) -> Ports:
        """Different free ports (free_ports)."""
        return cls(*free_ports(len(fields(cls))))


def free_ports(count: int) -> list[int]:
    """`count` different free ports: all are held open until all are chosen, so none is handed out twice."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
