"""`docker compose` for the tests of docker-compose.yml: the Docker CLI with the compose plugin `make test` builds.

Only `config` runs, which needs no Docker engine. The plugin lives in $ESOSESKA_DOCKER_CONFIG (set by the
Makefile), by default .cache/docker. Without a Docker CLI the plugin runs on its own (it is also a standalone
`docker-compose`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from devstack.layout import CACHE, ROOT

COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
# ${NAME}, ${NAME:-default}, ${NAME:?message}: the variables docker-compose.yml reads from .env
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def docker_config() -> Path:
    return Path(os.environ.get("ESOSESKA_DOCKER_CONFIG", CACHE / "docker"))


def run_compose(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    """`docker compose --env-file <env_file> <args>` in a clean environment (no shell variable leaks in)."""
    plugin = docker_config() / "cli-plugins" / "docker-compose"
    assert plugin.exists(), f"{plugin} is missing: run `make test` (it builds the compose plugin)"
    docker = shutil.which("docker")
    compose = [docker, "compose"] if docker else [str(plugin)]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DOCKER_CONFIG": str(docker_config()),
    }
    return subprocess.run(
        [*compose, "--project-directory", str(ROOT), "--file", str(COMPOSE_FILE), "--env-file", str(env_file), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def compose_config(env_file: Path = ENV_EXAMPLE) -> dict:
    """The resolved configuration (`docker compose config --format json`) with the values of `env_file`."""
    result = run_compose(env_file, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """NAME=value lines of an .env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
    return path


def compose_variables() -> dict[str, str]:
    """Every variable docker-compose.yml interpolates → its operator: "?" required, "-" defaulted, "" plain."""
    found: dict[str, str] = {}
    for name, operator, _ in INTERPOLATION.findall(COMPOSE_FILE.read_text(encoding="utf-8")):
        kind = operator.lstrip(":")
        if found.get(name) != "?":  # required anywhere: required
            found[name] = kind
    return found
