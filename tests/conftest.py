"""Shared by all tests: a throwaway PostgreSQL cluster (started only when a test asks for it), and the report of
the figures the tests recorded (tests/figures.py), after pytest's own summary."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from devstack.layout import VAR, free_port
from devstack.postgres import PostgresCluster

from .figures import FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES:
        return
    reports = VAR / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    figures = dict(FIGURES)
    # `make test` runs the unit and the integration tests side by side (each run adds to the file it emptied first)
    with open(reports / "figures.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = reports / "figures.json"
        if os.environ.get("ESOSESKA_FIGURES_ADD") and path.exists():
            figures = {**json.loads(path.read_text(encoding="utf-8")), **FIGURES}
        path.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    terminalreporter.section("trust figures")
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        terminalreporter.write_line(f"{name:<{width}}  {value}")


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL cluster of this test session on a free loopback port, removed at the end.

    In memory (/dev/shm) where there is room (containers often have only 64 MB there): a test database is then
    created in ~20 ms instead of ~150 ms on disk.
    """
    memory = Path("/dev/shm")
    in_memory = memory.is_dir() and shutil.disk_usage(memory).free >= 1 << 30
    directory = Path(tempfile.mkdtemp(prefix="bridge-postgres-", dir=memory if in_memory else None))
    cluster = PostgresCluster(directory, free_port(), log_path=VAR / "logs" / "postgres-tests.log")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
