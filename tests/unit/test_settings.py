"""Settings come from the environment; production refuses dev secrets and bad numbers stop the start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from registration_bridge import settings as settings_module
from registration_bridge.settings import (
    DEV_BILL_PASSWORD_KEY,
    DEV_CALLBACK_SECRET,
    DEV_KEYCLOAK_CLIENT_SECRET,
    Settings,
    SettingsError,
)

S1, S2, S3 = ("1" * 32, "2" * 32, "3" * 32)
REAL_SECRETS = {"BRIDGE_CALLBACK_SECRET": S1, "BRIDGE_BILL_PASSWORD_KEY": S2, "BRIDGE_KEYCLOAK_CLIENT_SECRET": S3}


def test_development_defaults_work_without_any_variable():
    settings = Settings.from_env({})
    assert settings.environment == "development"
    assert settings.callback_secret == DEV_CALLBACK_SECRET
    assert settings.callback_secrets == (DEV_CALLBACK_SECRET,)


def test_production_with_dev_default_secrets_names_every_variable():
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({"BRIDGE_ENV": "production"})
    message = str(exc.value)
    for name in REAL_SECRETS:
        assert name in message


@pytest.mark.parametrize("left_at_dev", list(REAL_SECRETS))
def test_production_names_only_the_secret_left_at_its_dev_default(left_at_dev):
    environ = {"BRIDGE_ENV": "production", **REAL_SECRETS}
    del environ[left_at_dev]
    with pytest.raises(SettingsError) as exc:
        Settings.from_env(environ)
    assert left_at_dev in str(exc.value)
    assert [name for name in REAL_SECRETS if name in str(exc.value)] == [left_at_dev]


@pytest.mark.parametrize(
    "name, dev_value",
    [
        ("BRIDGE_CALLBACK_SECRET", DEV_CALLBACK_SECRET),
        ("BRIDGE_BILL_PASSWORD_KEY", DEV_BILL_PASSWORD_KEY),
        ("BRIDGE_KEYCLOAK_CLIENT_SECRET", DEV_KEYCLOAK_CLIENT_SECRET),
    ],
)
def test_production_refuses_a_dev_secret_set_explicitly(name, dev_value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"BRIDGE_ENV": "production", **REAL_SECRETS, name: dev_value})


def test_production_with_real_secrets_starts():
    settings = Settings.from_env(
        {"BRIDGE_ENV": "production", **REAL_SECRETS, "DATABASE_URL": "postgresql+psycopg://bridge@db/bridge"}
    )
    assert (settings.callback_secret, settings.bill_password_key, settings.keycloak_client_secret) == (S1, S2, S3)
    assert settings.database_url == "postgresql+psycopg://bridge@db/bridge"


@pytest.mark.parametrize(
    "name", ["BRIDGE_SIGNATURE_TOLERANCE_SECONDS", "BRIDGE_TICKET_TTL_SECONDS", "BRIDGE_MAX_REQUEST_BYTES"]
)
@pytest.mark.parametrize("raw", ["ten", "1.5", "10s"])
def test_bad_whole_number_is_a_settings_error_naming_the_variable(name, raw):
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({name: raw})
    assert name in str(exc.value)
    assert raw in str(exc.value)


def test_whole_numbers_are_read_as_int():
    settings = Settings.from_env(
        {
            "BRIDGE_SIGNATURE_TOLERANCE_SECONDS": "60",
            "BRIDGE_TICKET_TTL_SECONDS": "120",
            "BRIDGE_MAX_REQUEST_BYTES": "2048",
        }
    )
    assert (settings.signature_tolerance_seconds, settings.ticket_ttl_seconds, settings.max_request_bytes) == (
        60,
        120,
        2048,
    )
    assert isinstance(settings.max_request_bytes, int)


def test_empty_variable_means_default():
    assert Settings.from_env({"BRIDGE_TICKET_TTL_SECONDS": "", "KEYCLOAK_REALM": ""}) == Settings()


def test_previous_secret_joins_the_accepted_secrets():
    settings = Settings.from_env({"BRIDGE_CALLBACK_SECRET": "new", "BRIDGE_CALLBACK_SECRET_PREVIOUS": "old"})
    assert settings.callback_secrets == ("new", "old")


def test_every_setting_has_its_environment_variable():
    from dataclasses import fields

    assert {f.name for f in fields(Settings)} == set(Settings.ENV_NAMES)


def test_admin_api_tokens_are_issued_by_the_public_url_and_keys_fetched_through_the_internal_one():
    settings = Settings.from_env(
        {
            "KEYCLOAK_URL": "http://keycloak:8080/",
            "KEYCLOAK_PUBLIC_URL": "https://login.example.si",
            "KEYCLOAK_REALM": "esoseska",
        }
    )
    assert settings.realm_issuer == "https://login.example.si/realms/esoseska"
    assert settings.realm_jwks_url == "http://keycloak:8080/realms/esoseska/protocol/openid-connect/certs"


def test_without_a_public_url_the_issuer_is_the_keycloak_url():
    assert (
        Settings.from_env({"KEYCLOAK_URL": "http://localhost:8080"}).realm_issuer
        == "http://localhost:8080/realms/esoseska"
    )


def test_uploads_have_their_own_size_limit():
    settings = Settings.from_env({"BRIDGE_MAX_UPLOAD_BYTES": "1048576"})
    assert (settings.max_upload_bytes, settings.max_request_bytes) == (1048576, 16 * 1024)
    assert Settings().max_upload_bytes == 200 * 1024 * 1024


def test_the_callbacks_keycloak_timeout_is_seconds_inside_keycloaks_budget():
    assert Settings.from_env({}).keycloak_timeout_seconds < 3  # Keycloak's default timeoutMs: 3000
    assert Settings.from_env({"BRIDGE_KEYCLOAK_TIMEOUT_SECONDS": "1.2"}).keycloak_timeout_seconds == 1.2
    for raw in ("soon", "0", "1.5", "3", "10"):  # 1.5: a token and a user of 1.5 s each fill Keycloak's 3 s
        with pytest.raises(SettingsError, match="BRIDGE_KEYCLOAK_TIMEOUT_SECONDS"):
            Settings.from_env({"BRIDGE_KEYCLOAK_TIMEOUT_SECONDS": raw})


def _provider_default_timeout_ms() -> int:
    """The payer-check provider's default timeoutMs, as its Java source says it."""
    root = Path(__file__).resolve().parents[2] / "keycloak-theme" / "src" / "main" / "java"
    found = {
        int(match.group(1).replace("_", ""))
        for source in root.rglob("*.java")
        for match in re.finditer(r"DEFAULT_TIMEOUT_MS\s*=\s*([0-9_]+)\s*;", source.read_text(encoding="utf-8"))
    }
    assert len(found) == 1, f"expected one DEFAULT_TIMEOUT_MS in the provider's sources, found {found}"
    return found.pop()


def test_the_orphan_checks_two_waits_fit_inside_keycloaks_default_wait_for_the_callback():
    """Keycloak gives a callback timeoutMs (its default in the provider's Java source); the bridge's orphan check
    waits at most twice keycloak_timeout_seconds (a token, then the user). Both defaults are read here: change one
    without the other and this fails."""
    keycloak_waits = _provider_default_timeout_ms() / 1000
    assert keycloak_waits == settings_module.KEYCLOAK_CALLBACK_TIMEOUT_SECONDS
    default = Settings().keycloak_timeout_seconds
    assert 2 * default + settings_module.CALLBACK_ROOM_SECONDS <= keycloak_waits
    assert 2 * settings_module.MAX_KEYCLOAK_TIMEOUT_SECONDS + settings_module.CALLBACK_ROOM_SECONDS <= keycloak_waits
    realm = (Path(__file__).resolve().parents[2] / "realm-export.json").read_text(encoding="utf-8")
    for in_realm in re.findall(r"BRIDGE_TIMEOUT_MS:([0-9]+)", realm):  # the realm's default, where it sets one
        assert int(in_realm) / 1000 == keycloak_waits
