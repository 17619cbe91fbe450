"""Each image's Dockerfile copies only what its build context (the folder, minus .dockerignore) holds: a file the
context leaves out fails `docker compose build`, which no test here can run (no Docker engine)."""

from __future__ import annotations

import fnmatch
import shlex
from pathlib import Path

import pytest

from devstack.layout import ROOT

from .dockerfiles import instructions

IMAGES = [ROOT / "keycloak-theme", ROOT / "registration-bridge"]


def in_context(context: Path, path: str) -> bool:
    """Whether .dockerignore lets `path` (relative to the context) into the build context: the last pattern that
    matches it or one of its parent folders decides, a `!` pattern letting it in."""
    included = True
    parts = Path(path).parts
    for line in (context / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1)):
            included = keep
    return included


def copied_sources(dockerfile: Path) -> list[str]:
    sources = []
    for keyword, arguments in instructions(dockerfile):
        if keyword != "COPY":
            continue
        words = [w for w in shlex.split(arguments) if not w.startswith("--")]
        if any(w.startswith("--from") for w in shlex.split(arguments)):
            continue  # from another stage, not from the context
        sources += words[:-1]
    return sources


@pytest.mark.parametrize("context", IMAGES, ids=lambda p: p.name)
def test_every_file_the_dockerfile_copies_is_in_its_build_context(context):
    sources = copied_sources(context / "Dockerfile")
    assert sources
    for source in sources:
        assert (context / source).exists(), source
        assert in_context(context, source), f"{source} is left out of the build context by {context.name}/.dockerignore"


def test_the_rule_reads_dockerignore_as_docker_does(tmp_path):
    (tmp_path / ".dockerignore").write_text("*\n!pom.xml\n!src/\n**/__pycache__\n", encoding="utf-8")
    assert in_context(tmp_path, "pom.xml") and in_context(tmp_path, "src/main/App.java")
    assert not in_context(tmp_path, "docker/start.sh") and not in_context(tmp_path, "target/app.jar")
