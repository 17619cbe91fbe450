"""Attack: start the bridge in production with the published placeholders (.env.example, the realm file's dev
defaults) or with one-character secrets. It must refuse, naming the variable, before touching anything."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
from registration_bridge.settings import MIN_SECRET_BYTES, Settings, SettingsError, weak_secret_reason

from devstack.layout import VENV_BIN
from devstack.realm_placeholders import realm_placeholders

from .compose import read_env_file

SECRETS = ("BRIDGE_CALLBACK_SECRET", "BRIDGE_BILL_PASSWORD_KEY", "BRIDGE_KEYCLOAK_CLIENT_SECRET")
OPTIONAL_SECRETS = ("BRIDGE_CALLBACK_SECRET_PREVIOUS", "BRIDGE_OPS_CLIENT_SECRET")
EXAMPLE = read_env_file()


def strong() -> str:
    return secrets.token_hex(32)


def strong_environment() -> dict[str, str]:
    return {"BRIDGE_ENV": "production", **{name: strong() for name in SECRETS}}


def run_cli(environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The real `registration-bridge` command, with only these settings (no dev value leaks in from the shell)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **environ}
    return subprocess.run(
        [str(VENV_BIN / "registration-bridge"), *args], env=env, capture_output=True, text=True, timeout=60
    )


def published_values() -> set[str]:
    """Every value of .env.example and every default of the realm file's placeholders: public, so never a secret."""
    return {v for v in EXAMPLE.values() if v} | {v for v in realm_placeholders().values() if v}


@pytest.mark.parametrize("name", SECRETS + OPTIONAL_SECRETS)
def test_the_cli_refuses_each_example_placeholder_in_production(name, tmp_path):
    placeholder = EXAMPLE.get(name) or "change-me-" + "x" * 40
    environ = {**strong_environment(), "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}", name: placeholder}
    result = run_cli(environ, "db", "current")
    assert result.returncode != 0, result.stdout
    assert name in result.stderr
    assert placeholder not in result.stderr + result.stdout  # the message names the variable, never prints it


@pytest.mark.parametrize("name", SECRETS + OPTIONAL_SECRETS)
def test_the_cli_refuses_a_one_character_secret_in_production(name, tmp_path):
    environ = {**strong_environment(), "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}", name: "x"}
    result = run_cli(environ, "db", "current")
    assert result.returncode != 0, result.stdout
    assert name in result.stderr and f"{MIN_SECRET_BYTES} bytes" in result.stderr


def test_the_cli_runs_in_production_with_strong_secrets(tmp_path):
    environ = {**strong_environment(), "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}"}
    result = run_cli(environ, "db", "current")
    assert result.returncode == 0, result.stderr


def test_the_app_under_gunicorn_refuses_to_start_with_the_example_env_values(tmp_path):
    environ = {
        "BRIDGE_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        **{name: EXAMPLE[name] for name in SECRETS},
    }
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **environ}
    result = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "from registration_bridge import create_app; create_app()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    for name in SECRETS:
        assert name in result.stderr


@pytest.mark.parametrize("value", sorted(published_values()))
def test_every_published_value_is_refused_as_a_secret(value):
    assert weak_secret_reason(value) is not None


@pytest.mark.parametrize("value", ["dev-only-" + "a" * 40, "A-CHANGE-ME-" + "b" * 40, "Change-Me" + "c" * 40])
def test_the_placeholder_markers_are_refused_whatever_the_length_or_case(value):
    assert weak_secret_reason(value) is not None


def test_thirty_one_bytes_are_too_short_and_thirty_two_are_enough():
    assert weak_secret_reason("é" * 15 + "x") is not None  # 31 bytes in UTF-8, 16 characters
    assert weak_secret_reason("x" * 31) is not None
    assert weak_secret_reason("x" * 32) is None


def test_development_keeps_its_dev_values():
    assert Settings.from_env({}).environment == "development"
    assert Settings.from_env({"BRIDGE_CALLBACK_SECRET": "x"}).callback_secret == "x"


def test_the_message_names_every_weak_variable_at_once():
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({"BRIDGE_ENV": "production", **{name: EXAMPLE[name] for name in SECRETS}})
    assert all(name in str(exc.value) for name in SECRETS)
