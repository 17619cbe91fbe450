"""Start a server as a child process, wait until it answers, stop it again."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import requests


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_as(user: str | None) -> dict:
    """subprocess keyword arguments that start a child as system user `user` (its own group only); {} for None."""
    if user is None:
        return {}
    account = pwd.getpwnam(user)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


class ServiceFailed(RuntimeError):
    pass


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    return check


class Service:
    def __init__(
        self,
        name: str,
        argv: Sequence[str | os.PathLike],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        ready: Callable[[], bool],
        ready_timeout: float,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self.ready = ready
        self.ready_timeout = ready_timeout
        self.user = user  # run as this system user (the caller must be root), None: as we are
        self.stop_signal = stop_signal
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **run_as(self.user),
        )
        log.close()
        return self

    def wait_ready(self) -> Service:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServiceFailed(
                    f"{self.name} exited with {self.process.returncode}; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            if self.ready():
                return self
            time.sleep(0.5)
        raise ServiceFailed(
            f"{self.name} not ready after {self.ready_timeout:.0f} s; last lines of {self.log_path}:\n{self.log_tail()}"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """Ask the server (and its children) to stop; `stop` waits for it."""
        if self.running:
            assert self.process is not None
            try:
                os.killpg(self.process.pid, self.stop_signal)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 30) -> None:
        if self.process is None:
            return
        self.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
