"""Attack: start the Keycloak image of the production stack with the published placeholders. Its entrypoint
(keycloak-theme/docker/check-secrets-then-start.sh) must refuse, naming the variable, and never run kc.sh.

No Docker engine here: the script itself runs, next to a fake kc.sh that records that it was started."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from devstack.layout import REALM_FILE, ROOT
from devstack.realm_placeholders import realm_placeholders

from .compose import compose_config, read_env_file
from .dockerfiles import exec_form, instructions

SCRIPT = ROOT / "keycloak-theme" / "docker" / "check-secrets-then-start.sh"
DOCKERFILE = ROOT / "keycloak-theme" / "Dockerfile"
EXAMPLE = read_env_file()


def checked_names() -> list[str]:
    return re.search(r'\nSECRETS="([^"]*)"', SCRIPT.read_text(encoding="utf-8")).group(1).split()


def checked_vault_files() -> list[str]:
    return re.search(r'VAULT_SECRETS="([^"]*)"', SCRIPT.read_text(encoding="utf-8")).group(1).split()


def realm_secret_placeholders() -> set[str]:
    """The realm file's placeholders whose default is a dev-only secret."""
    return {name for name, default in realm_placeholders().items() if default and "dev-only" in default}


def compose_keycloak_environment(env: dict | None = None) -> dict[str, str]:
    return compose_config()["services"]["keycloak"]["environment"]


@pytest.fixture
def image_bin(tmp_path: Path) -> Path:
    """The script in a bin directory beside a fake kc.sh that writes its arguments to started.txt."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy2(SCRIPT, bin_dir / SCRIPT.name)
    fake = bin_dir / "kc.sh"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "started.txt"}\n', encoding="utf-8")
    fake.chmod(0o755)
    write_vault(bin_dir, {name: secrets.token_hex(32) for name in checked_vault_files()})
    return bin_dir


def write_vault(image_bin: Path, files: dict[str, str]) -> Path:
    """The vault directory the tests' Keycloak reads (KC_VAULT_DIR unless the environment names another)."""
    vault = image_bin.parent / "vault"
    vault.mkdir(exist_ok=True)
    for name, value in files.items():
        (vault / name).write_text(value, encoding="utf-8")
    return vault


def start(image_bin: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "KC_VAULT_DIR": str(image_bin.parent / "vault"),
        **{name: value for name, value in environment.items() if value is not None},
    }
    return subprocess.run(
        [str(image_bin / SCRIPT.name), "start", "--optimized", "--import-realm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def strong_environment() -> dict[str, str]:
    return {name: secrets.token_hex(32) for name in checked_names()}


def started(image_bin: Path) -> bool:
    return (image_bin.parent / "started.txt").exists()


def test_the_image_starts_through_the_check():
    assert exec_form(DOCKERFILE, "ENTRYPOINT") == [f"/opt/keycloak/bin/{SCRIPT.name}"]
    copies = [arguments for name, arguments in instructions(DOCKERFILE) if name == "COPY"]
    assert any(
        f"docker/{SCRIPT.name}" in arguments and arguments.endswith("/opt/keycloak/bin/") for arguments in copies
    )


def test_the_check_covers_every_secret_keycloak_gets():
    names = set(checked_names())
    assert realm_secret_placeholders() <= names
    assert {
        "KC_BOOTSTRAP_ADMIN_PASSWORD",
        "KC_DB_PASSWORD",
        "BRIDGE_KEYCLOAK_CLIENT_SECRET",
        "BRIDGE_OPS_CLIENT_SECRET",
        "PORTAL_DEMO_CLIENT_SECRET",
        "PAYER_ADMIN_CLI_SECRET",
    } <= names
    assert names <= set(compose_keycloak_environment())
    assert "BRIDGE_CALLBACK_SECRET" not in compose_keycloak_environment()  # a vault file, not a variable


def test_the_check_covers_the_vault_files_compose_mounts():
    keycloak = compose_config()["services"]["keycloak"]
    mounted = {secret["target"] for secret in keycloak["secrets"]}
    assert set(checked_vault_files()) == mounted == {"esoseska_bridge-callback-secret", "esoseska_captcha-hmac-key"}
    assert keycloak["environment"]["KC_VAULT_DIR"] == "/run/secrets"
    sources = {secret["target"]: secret["source"] for secret in keycloak["secrets"]}
    variables = {target: compose_config()["secrets"][source]["environment"] for target, source in sources.items()}
    assert variables == {
        "esoseska_bridge-callback-secret": "BRIDGE_CALLBACK_SECRET",  # the bridge's value
        "esoseska_captcha-hmac-key": "CAPTCHA_HMAC_KEY",  # Keycloak's alone
    }
    assert "CAPTCHA_HMAC_KEY" not in compose_keycloak_environment()  # a vault file, not a variable


def test_with_the_example_env_file_keycloak_refuses_to_start_naming_every_secret(image_bin):
    vault = write_vault(
        image_bin,
        {
            "esoseska_bridge-callback-secret": EXAMPLE["BRIDGE_CALLBACK_SECRET"],
            "esoseska_captcha-hmac-key": EXAMPLE["CAPTCHA_HMAC_KEY"],
        },
    )
    result = start(image_bin, {**compose_keycloak_environment(), "KC_VAULT_DIR": str(vault)})
    assert result.returncode != 0 and not started(image_bin)
    for name in checked_names():
        assert f"{name} is a published placeholder" in result.stderr
    assert "vault secret esoseska_bridge-callback-secret is a published placeholder" in result.stderr
    assert "vault secret esoseska_captcha-hmac-key is a published placeholder" in result.stderr
    assert "change-me" not in result.stderr.replace("dev-only/change-me", "")  # names, never the values


@pytest.mark.parametrize("name", sorted(realm_secret_placeholders() | {"KC_BOOTSTRAP_ADMIN_PASSWORD"}))
def test_each_realm_dev_default_or_example_value_is_refused(name, image_bin):
    realm_default = realm_placeholders().get(name)
    for placeholder in filter(
        None,
        {
            realm_default,
            EXAMPLE.get(name),
            EXAMPLE.get("KEYCLOAK_ADMIN_PASSWORD") if name == "KC_BOOTSTRAP_ADMIN_PASSWORD" else None,
        },
    ):
        result = start(image_bin, {**strong_environment(), name: placeholder})
        assert result.returncode != 0 and not started(image_bin), placeholder
        assert name in result.stderr


@pytest.mark.parametrize("name", checked_names())
@pytest.mark.parametrize("value", ["x", "a" * 31, "é" * 15 + "x"])
def test_a_short_secret_is_refused(name, value, image_bin):
    result = start(image_bin, {**strong_environment(), name: value})
    assert result.returncode != 0 and not started(image_bin)
    assert f"{name} is shorter than 32 bytes" in result.stderr


@pytest.mark.parametrize("name", checked_names())
def test_a_missing_secret_is_refused_rather_than_imported_as_the_dev_default(name, image_bin):
    environment = strong_environment()
    del environment[name]
    result = start(image_bin, environment)
    assert result.returncode != 0 and not started(image_bin)
    assert f"{name} is missing" in result.stderr


def test_a_placeholder_in_other_case_is_refused(image_bin):
    result = start(image_bin, {**strong_environment(), "BRIDGE_KEYCLOAK_CLIENT_SECRET": "CHANGE-ME-" + "x" * 40})
    assert result.returncode != 0 and "BRIDGE_KEYCLOAK_CLIENT_SECRET" in result.stderr


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("dev-only-callback-secret-change-me", "is a published placeholder"),
        ("x" * 31, "is shorter than 32 bytes"),
        ("", "is missing"),
        (None, "is missing (no file"),
    ],
)
def test_a_weak_or_missing_callback_secret_in_the_vault_is_refused(value, reason, image_bin):
    vault = image_bin.parent / "vault" / "esoseska_bridge-callback-secret"
    if value is None:
        vault.unlink()
    else:
        vault.write_text(value, encoding="utf-8")
    result = start(image_bin, strong_environment())
    assert result.returncode != 0 and not started(image_bin)
    assert f"vault secret esoseska_bridge-callback-secret {reason}" in result.stderr
    assert "BRIDGE_CALLBACK_SECRET" in result.stderr  # where the operator sets it


def test_without_a_vault_directory_keycloak_refuses_to_start(image_bin):
    result = subprocess.run(
        [str(image_bin / SCRIPT.name), "start"],
        env={"PATH": "/usr/bin:/bin", **strong_environment()},  # no KC_VAULT_DIR
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and not started(image_bin)
    assert "KC_VAULT_DIR is not set" in result.stderr


def test_with_strong_secrets_kc_sh_runs_with_the_containers_arguments(image_bin):
    result = start(image_bin, strong_environment())
    assert result.returncode == 0, result.stderr
    assert (image_bin.parent / "started.txt").read_text().split() == ["start", "--optimized", "--import-realm"]


def test_the_realm_file_has_no_secret_placeholder_without_a_dev_only_default():
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    assert realm["realm"] == "esoseska"
    for name, default in realm_placeholders().items():
        if name.endswith(("SECRET", "PASSWORD")):
            assert default and default.startswith("dev-only-"), name


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("dev-only-captcha-hmac-key-change-me", "is a published placeholder"),
        ("k" * 31, "is shorter than 32 bytes"),
        (None, "is missing (no file"),
    ],
)
def test_a_weak_or_missing_captcha_key_in_the_vault_is_refused(value, reason, image_bin):
    """The captcha's HMAC key signs every "Nisem robot" challenge: a known one would let a robot sign its own."""
    vault = image_bin.parent / "vault" / "esoseska_captcha-hmac-key"
    if value is None:
        vault.unlink()
    else:
        vault.write_text(value, encoding="utf-8")
    result = start(image_bin, strong_environment())
    assert result.returncode != 0 and not started(image_bin)
    assert f"vault secret esoseska_captcha-hmac-key {reason}" in result.stderr
    assert "CAPTCHA_HMAC_KEY" in result.stderr  # where the operator sets it
