"""Keycloak as production runs it: `kc.sh build` (PostgreSQL, health, our provider) and `kc.sh start --optimized`
with a fixed hostname, on a PostgreSQL database; the bridge on PostgreSQL too. A resident registers through it.

The stack is devstack's (StackSettings.keycloak_database switches Keycloak to production mode); the databases are
on the test session's throwaway PostgreSQL cluster. Plain HTTP on loopback, as there is no TLS here.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import uuid

import psycopg
import pytest
import requests
from keycloak import KeycloakAdmin

from devstack.layout import REALM, VAR, Ports, free_port
from devstack.stack import ADMIN_PASSWORD, ADMIN_USER, KeycloakDatabase, Stack, StackSettings

from ..figures import record
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless
from .mail_catcher import MailCatcher
from .payer_codes import new_payer_code

pytestmark = pytest.mark.integration

NOT_VERIFIED_SL = "Šifre plačnika in gesla iz položnice ni bilo mogoče potrditi."
OUR_PROVIDERS = {
    "form-action": {"esoseska-payer-check", "esoseska-phone-number", "esoseska-consents"},
    "required-action": {"link-manager"},
    "eventsListener": {"esoseska-account-activated", "esoseska-claim-sync"},
    "realm-restapi-extension": {"esoseska-inquiry"},
}


@pytest.fixture(scope="module")
def production(postgres_cluster):
    keycloak_password = postgres_cluster.create_role("keycloak")
    postgres_cluster.create_database("keycloak", owner="keycloak")
    settings = StackSettings(
        ports=Ports.free(),
        var_dir=VAR / "test-production",
        fresh=True,
        keycloak_database=KeycloakDatabase(postgres_cluster.jdbc_url("keycloak"), "keycloak", keycloak_password),
        bridge_database_url=postgres_cluster.create_database("bridge_production"),
    )
    stack = Stack(settings)
    started = time.monotonic()
    try:
        stack.start()
        seconds = round(time.monotonic() - started)
        record(
            "Keycloak production mode: kc.sh build + first start with realm import (s)",
            f"{seconds} (kc.sh build of an earlier run: same Keycloak and JAR)"
            if stack.keycloak_build_reused
            else seconds,
        )
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def admin(production) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=production.settings.keycloak_url,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        realm_name=REALM,
        user_realm_name="master",
    )


@pytest.fixture(scope="module")
def browser_client(production, admin) -> dict:
    client = {
        "clientId": f"prod-portal-{uuid.uuid4().hex[:8]}",
        "secret": secrets.token_urlsafe(24),
        "redirectUris": ["http://127.0.0.1:9/callback"],
    }
    admin.create_client(
        {**client, "enabled": True, "publicClient": False, "standardFlowEnabled": True, "protocol": "openid-connect"}
    )
    return client


def new_browser(production, client: dict) -> Browserless:
    return Browserless(
        production.settings.keycloak_url,
        REALM,
        client["clientId"],
        client["redirectUris"][0],
        client_secret=client["secret"],
    )


def query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute(sql).fetchall()


def test_keycloak_runs_in_production_mode_on_postgresql_with_the_realm_imported(production, postgres_cluster):
    log = production.keycloak.log_path.read_text(errors="replace")
    assert "Profile prod activated" in log
    assert "Profile dev activated" not in log
    assert query(postgres_cluster.url("keycloak"), "SELECT login_theme FROM realm WHERE name = 'esoseska'") == [
        ("esoseska",)
    ]
    issuer = requests.get(
        f"{production.settings.keycloak_url}/realms/{REALM}/.well-known/openid-configuration", timeout=10
    ).json()["issuer"]
    assert issuer == f"{production.settings.keycloak_url}/realms/{REALM}"  # the configured hostname, nothing else


def test_our_providers_are_installed_and_the_realm_uses_them(admin):
    providers = admin.get_server_info()["providers"]
    for kind, ids in OUR_PROVIDERS.items():
        assert ids <= set(providers[kind]["providers"]), kind
    realm = admin.get_realm(REALM)
    assert (realm["loginTheme"], realm["emailTheme"]) == ("esoseska", "esoseska")
    assert {"esoseska-account-activated", "esoseska-claim-sync"} <= set(realm["eventsListeners"])


def test_a_resident_registers_through_the_payer_check(production, admin, browser_client, postgres_cluster):
    code, bill_password = new_payer_code(), "Bill-" + secrets.token_hex(3)
    csv_file = production.settings.var_dir / "payer.csv"
    csv_file.write_text(f"payer_code,bill_password,holder_name\n{code},{bill_password},Test Payer\n", encoding="utf-8")
    imported = run_bridge_cli(production, "import-payers", "--manager", "staninvest", str(csv_file))
    assert imported.returncode == 0, imported.stderr
    resident = {
        "firstName": "Ana",
        "lastName": "Novak",
        "email": f"ana.{uuid.uuid4().hex[:10]}@example.si",
        "phone_number": "041 123 456",
        "payerCode": code,
        "billPassword": "Napacno-123",
        "managerId": "staninvest",
        "password": "Sonce-Sije7",
        "password-confirm": "Sonce-Sije7",
        "termsAccepted": "on",
    }
    browser = new_browser(production, browser_client)

    refused = browser.submit(browser.open_registration(), "kc-register-form", resident)
    assert NOT_VERIFIED_SL in (refused.field_error("billPassword") or ""), refused.field_errors()
    assert [
        label.get_text(" ", strip=True).rstrip(" *") for label in refused.form("kc-register-form").find_all("label")
    ][4:6] == ["Šifra plačnika", "Geslo iz položnice"]  # our theme's form, in Slovenian

    page = browser.submit(browser.open_registration(), "kc-register-form", dict(resident, billPassword=bill_password))
    assert resident["email"] in page.text, page.text[:1000]
    message = MailCatcher(production.settings.mail_url).wait_for(resident["email"], "Potrdite svoj račun")
    assert "Aktiviraj račun" in MailCatcher.links(message)

    [user] = [u for u in admin.get_users({"email": resident["email"], "exact": True})]
    assert user["attributes"]["payer_accounts"] == [f"staninvest:{code}"]
    assert bill_password not in json.dumps(user)
    claims = query(
        postgres_cluster.url("bridge_production"),
        f"SELECT c.keycloak_user_id FROM claims c JOIN payers p ON p.id = c.payer_id "
        f"WHERE p.manager_id = 'staninvest' AND p.payer_code = '{code}'",
    )
    assert claims == [(user["id"],)]


def test_production_refuses_to_start_without_the_bridge_url_naming_the_option(production):
    """The bridge settings are read once at start: in production a missing URL stops Keycloak with a message that
    names the option (start-dev would take the dev stack's http://localhost:8000)."""
    env = {
        name: value for name, value in production.keycloak.env.items() if name != "KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL"
    }
    argv = [
        arg
        for arg in production.keycloak.argv
        if not arg.startswith(("--http-port=", "--http-management-port=", "--import-realm"))
    ]
    argv += [f"--http-port={free_port()}", f"--http-management-port={free_port()}"]
    result = subprocess.run(
        argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "the registration bridge is not configured" in output, output[-3000:]
    assert "--spi-esoseska-bridge--default--url (KC_SPI_ESOSESKA_BRIDGE__DEFAULT__URL) is missing" in output
