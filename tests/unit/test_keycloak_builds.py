"""devstack keeps Keycloak's build step (lib/quarkus/ of a built home) for the next fresh home: only for the same
mode, Keycloak version and provider JAR, so a home never starts with a build of something else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack import stack as stack_module
from devstack.layout import Ports
from devstack.stack import KeycloakDatabase, Stack, StackSettings


@pytest.fixture
def jar(tmp_path, monkeypatch) -> Path:
    """A provider JAR of this test, and a build cache of its own."""
    jar = tmp_path / "esoseska-keycloak.jar"
    jar.write_bytes(b"provider v1")
    monkeypatch.setattr(stack_module, "PROVIDER_JAR", jar)
    monkeypatch.setattr(stack_module, "KEYCLOAK_BUILDS", tmp_path / "builds")
    return jar


def new_stack(var_dir: Path, production: bool = False) -> Stack:
    database = KeycloakDatabase("jdbc:postgresql://127.0.0.1:1/keycloak", "keycloak", "x") if production else None
    return Stack(StackSettings(ports=Ports.dev(), var_dir=var_dir, keycloak_database=database))


def build(stack: Stack, content: bytes) -> None:
    """What Keycloak's build step leaves in the home."""
    built = stack.settings.keycloak_home / "lib" / "quarkus"
    built.mkdir(parents=True, exist_ok=True)
    (built / "generated-bytecode.jar").write_bytes(content)


def restored(stack: Stack) -> bytes | None:
    """The build a fresh home of `stack` starts with (None: Keycloak's build step runs)."""
    (stack.settings.keycloak_home / "lib" / "quarkus").mkdir(parents=True, exist_ok=True)
    if not stack._restore_keycloak_build():
        return None
    return (stack.settings.keycloak_home / "lib" / "quarkus" / "generated-bytecode.jar").read_bytes()


def test_a_fresh_home_starts_with_the_build_kept_for_its_mode(tmp_path, jar):
    dev, production = new_stack(tmp_path / "dev"), new_stack(tmp_path / "production", production=True)
    assert restored(new_stack(tmp_path / "first")) is None
    build(dev, b"dev build")
    dev.keep_keycloak_build()
    build(production, b"production build")
    production.keep_keycloak_build()

    assert restored(new_stack(tmp_path / "again")) == b"dev build"
    assert restored(new_stack(tmp_path / "again-production", production=True)) == b"production build"


def test_a_new_provider_jar_is_built_again_and_its_build_replaces_the_old(tmp_path, jar):
    dev = new_stack(tmp_path / "dev")
    build(dev, b"build with v1")
    dev.keep_keycloak_build()

    kept_at = jar.stat().st_mtime_ns
    jar.write_bytes(b"provider v2")
    os.utime(jar, ns=(kept_at, kept_at))  # other bytes at the same time
    assert restored(new_stack(tmp_path / "v2")) is None

    build(dev, b"build with v2")
    dev.keep_keycloak_build()
    assert restored(new_stack(tmp_path / "v2-again")) == b"build with v2"
    assert len(list((tmp_path / "builds" / "dev").iterdir())) == 1  # the build for v1 is gone

    os.utime(jar, ns=(0, 0))  # the same bytes at another time: Keycloak compares the time too
    assert restored(new_stack(tmp_path / "v2-touched")) is None
