"""docker-compose.yml is accepted by `docker compose config`, and refuses to run without its secrets."""

from __future__ import annotations

import pytest

from .compose import ENV_EXAMPLE, compose_config, compose_variables, read_env_file, run_compose, write_env_file

SERVICES = {"postgres", "bridge", "bridge-admin", "desk", "keycloak", "maildev"}
REQUIRED = sorted(name for name, kind in compose_variables().items() if kind == "?")


def test_compose_accepts_the_file_with_the_example_settings_without_errors_or_warnings():
    result = run_compose(ENV_EXAMPLE, "config", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""


def test_every_service_has_a_health_check_and_a_restart_policy():
    services = compose_config()["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name


def test_services_start_after_what_they_need_is_healthy():
    services = compose_config()["services"]
    conditions = {
        name: {dep: spec["condition"] for dep, spec in service.get("depends_on", {}).items()}
        for name, service in services.items()
    }
    assert conditions["bridge"] == {"postgres": "service_healthy"} == conditions["bridge-admin"]
    assert conditions["keycloak"] == {"postgres": "service_healthy", "bridge": "service_healthy"}


def test_the_health_checks_ask_the_right_endpoints():
    checks = {name: " ".join(service["healthcheck"]["test"]) for name, service in compose_config()["services"].items()}
    assert "http://127.0.0.1:9000/health/ready" in checks["keycloak"]
    assert "http://127.0.0.1:8000/healthz" in checks["bridge"]
    assert "http://127.0.0.1:8000/healthz" in checks["bridge-admin"]
    assert "pg_isready" in checks["postgres"]


def test_the_secrets_and_the_public_address_are_required():
    assert set(REQUIRED) >= {
        "POSTGRES_PASSWORD",
        "KEYCLOAK_DB_PASSWORD",
        "BRIDGE_DB_PASSWORD",
        "KEYCLOAK_ADMIN_PASSWORD",
        "BRIDGE_CALLBACK_SECRET",
        "BRIDGE_BILL_PASSWORD_KEY",
        "BRIDGE_KEYCLOAK_CLIENT_SECRET",
        "PORTAL_DEMO_CLIENT_SECRET",
        "KEYCLOAK_PUBLIC_URL",
    }


@pytest.mark.parametrize("missing", REQUIRED)
def test_compose_refuses_when_a_required_setting_is_missing(missing, tmp_path):
    values = {name: value for name, value in read_env_file().items() if name != missing}
    result = run_compose(write_env_file(tmp_path / ".env", values), "config", "--quiet")
    assert result.returncode != 0
    assert f"required variable {missing} is missing a value" in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_an_empty_required_setting_counts_as_missing(missing, tmp_path):
    values = {**read_env_file(), missing: ""}
    result = run_compose(write_env_file(tmp_path / ".env", values), "config", "--quiet")
    assert result.returncode != 0 and missing in result.stderr


def test_the_example_env_file_lists_exactly_the_variables_of_the_compose_file():
    assert set(read_env_file()) == set(compose_variables()) | {"COMPOSE_PROFILES"}


def test_the_example_env_file_holds_placeholders_not_secrets():
    values = read_env_file()
    secrets = [name for name in values if name.endswith(("PASSWORD", "SECRET", "KEY"))]
    assert "BRIDGE_BILL_PASSWORD_KEY" in secrets and "BRIDGE_CALLBACK_SECRET" in secrets
    for name in secrets:  # a placeholder, or empty where the setting is optional
        assert values[name].startswith("change-me-") or (values[name] == "" and name not in REQUIRED), name


def test_the_mail_catcher_is_a_profile_the_example_switches_on():
    assert read_env_file()["COMPOSE_PROFILES"] == "mailcatcher"
    assert compose_config()["services"]["maildev"]["profiles"] == ["mailcatcher"]


def test_without_the_mailcatcher_profile_mail_goes_to_the_configured_relay(tmp_path):
    values = {**read_env_file(), "COMPOSE_PROFILES": "", "SMTP_HOST": "relay.example.si", "SMTP_PORT": "25"}
    services = compose_config(write_env_file(tmp_path / ".env", values))["services"]
    assert "maildev" not in services
    assert services["keycloak"]["environment"]["SMTP_HOST"] == "relay.example.si"
    assert services["bridge"]["environment"]["BRIDGE_SMTP_HOST"] == "relay.example.si"
    assert (
        services["keycloak"]["environment"]["SMTP_PORT"]
        == "25"
        == services["bridge"]["environment"]["BRIDGE_SMTP_PORT"]
    )


def test_only_the_local_host_reaches_the_published_ports():
    for name, service in compose_config()["services"].items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", name


def test_the_admin_api_is_its_own_service_and_only_it_is_published_for_the_proxy():
    """Keycloak's callbacks and the admin API never share workers; metrics stay inside the network."""
    services = compose_config()["services"]
    bridge, admin = services["bridge"], services["bridge-admin"]
    assert bridge["environment"]["BRIDGE_ROLE"] == "callbacks" and admin["environment"]["BRIDGE_ROLE"] == "admin"
    assert {k: v for k, v in admin["environment"].items() if k != "BRIDGE_ROLE"} == {
        k: v for k, v in bridge["environment"].items() if k != "BRIDGE_ROLE"
    }
    assert admin["build"] == bridge["build"]
    assert "ports" not in bridge  # only Keycloak (inside the network) calls it
    assert [(p["host_ip"], p["published"], p["target"]) for p in admin["ports"]] == [("127.0.0.1", "8001", 8000)]
    for service in (bridge, admin):
        assert service["environment"]["BRIDGE_METRICS_BIND"] == "0.0.0.0:9100"
        assert all(p["target"] != 9100 for p in service.get("ports", []))


def test_keycloak_believes_forwarded_headers_only_from_the_configured_proxy_addresses(tmp_path):
    keycloak = compose_config()["services"]["keycloak"]["environment"]
    assert keycloak["KC_PROXY_HEADERS"] == "xforwarded"
    assert keycloak["KC_PROXY_TRUSTED_ADDRESSES"] == read_env_file()["KC_PROXY_TRUSTED_ADDRESSES"] != ""
    assert "KC_PROXY_TRUSTED_ADDRESSES" in REQUIRED  # never the default of trusting every peer
    values = {**read_env_file(), "KC_PROXY_TRUSTED_ADDRESSES": "172.18.0.1/32"}
    keycloak = compose_config(write_env_file(tmp_path / ".env", values))["services"]["keycloak"]["environment"]
    assert keycloak["KC_PROXY_TRUSTED_ADDRESSES"] == "172.18.0.1/32"


def test_the_admin_console_can_get_its_own_hostname(tmp_path):
    assert compose_variables()["KC_HOSTNAME_ADMIN"] == "-"  # optional
    values = {**read_env_file(), "KC_HOSTNAME_ADMIN": "https://id-admin.internal.example.si"}
    keycloak = compose_config(write_env_file(tmp_path / ".env", values))["services"]["keycloak"]["environment"]
    assert keycloak["KC_HOSTNAME_ADMIN"] == "https://id-admin.internal.example.si"


def test_the_command_lines_client_secret_goes_to_keycloak_but_not_to_the_running_bridge():
    services = compose_config()["services"]
    assert "BRIDGE_OPS_CLIENT_SECRET" in REQUIRED
    assert "BRIDGE_OPS_CLIENT_SECRET" in services["keycloak"]["environment"]
    assert "BRIDGE_OPS_CLIENT_SECRET" not in services["bridge"]["environment"]
