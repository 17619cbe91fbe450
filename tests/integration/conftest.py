"""The real stack for the integration tests: Keycloak (with our JAR and realm), the bridge, MailDev.

Started once per test session on free loopback ports, with its own fresh data under var/test/, and stopped
at the end. Tests never skip when Keycloak is missing: `make test` fetches it first.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import uuid
from pathlib import Path

import pytest
from keycloak import KeycloakAdmin

from devstack.layout import REALM, VAR, VENV_BIN, Ports
from devstack.stack import ADMIN_PASSWORD, ADMIN_USER, Stack, StackSettings

from .keycloak_pages import Browserless
from .mail_catcher import MailCatcher
from .payer_codes import new_payer_code

pytestmark = pytest.mark.integration


# The bridge of the tests' stack differs from make run's in these settings only:
TEST_BRIDGE_ENV = {
    # orphan claims (a registration whose bridge died mid-way) are released after 2 s instead of 60 s
    "BRIDGE_ORPHAN_CLAIM_AGE_SECONDS": "2",
    # a flood of failed checks is seen within a second (test_captcha's flood) instead of 10 s
    "BRIDGE_ATTACK_CHECK_SECONDS": "1",
}


@pytest.fixture(scope="session")
def stack():
    stack = Stack(StackSettings(ports=Ports.free(), var_dir=VAR / "test", fresh=True, bridge_env=TEST_BRIDGE_ENV))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def admin(stack) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=stack.settings.keycloak_url,
        username=ADMIN_USER,
        password=ADMIN_PASSWORD,
        realm_name=REALM,
        user_realm_name="master",
    )


@pytest.fixture(scope="session")
def mail(stack) -> MailCatcher:
    return MailCatcher(stack.settings.mail_url)


@pytest.fixture(scope="session")
def portal_client(stack, admin) -> dict:
    """A confidential OIDC client created the way a manager's developer would: nothing but the defaults."""
    client_id = f"test-portal-{uuid.uuid4().hex[:8]}"
    secret = secrets.token_urlsafe(24)
    redirect_uri = "http://127.0.0.1:9/callback"
    admin.create_client(
        {
            "clientId": client_id,
            "enabled": True,
            "publicClient": False,
            "secret": secret,
            "standardFlowEnabled": True,
            "redirectUris": [redirect_uri],
            "protocol": "openid-connect",
        }
    )
    return {"client_id": client_id, "secret": secret, "redirect_uri": redirect_uri}


@pytest.fixture
def browser(stack, portal_client) -> Browserless:
    return Browserless(
        stack.settings.keycloak_url,
        REALM,
        portal_client["client_id"],
        portal_client["redirect_uri"],
        client_secret=portal_client["secret"],
    )


def run_bridge_cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "registration-bridge"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **stack.settings.bridge_environment()},
        check=False,
    )


@pytest.fixture
def make_payer(stack, tmp_path: Path):
    """Adds a new, unclaimed payer to a manager, with its own code and bill password."""

    def make(manager: str = "staninvest") -> dict:
        code = new_payer_code()
        bill_password = "Bill-" + secrets.token_hex(3)
        csv_file = tmp_path / f"payer-{code}.csv"
        csv_file.write_text(
            f"payer_code,bill_password,holder_name\n{code},{bill_password},Test Payer\n", encoding="utf-8"
        )
        result = run_bridge_cli(stack, "import-payers", "--manager", manager, str(csv_file))
        assert result.returncode == 0, result.stderr
        return {"manager": manager, "code": code, "bill_password": bill_password}

    return make


@pytest.fixture
def payer(make_payer) -> dict:
    """A new payer of Staninvest, unclaimed (per test)."""
    return make_payer("staninvest")


@pytest.fixture
def resident(payer) -> dict:
    """Valid registration form values for a new resident of `payer` (a fresh e-mail each test)."""
    return {
        "firstName": "Ana",
        "lastName": "Novak",
        "email": f"ana.{uuid.uuid4().hex[:10]}@example.si",
        "phone_number": "041 123 456",
        "payerCode": payer["code"],
        "billPassword": payer["bill_password"],
        "managerId": payer["manager"],
        "password": "Sonce-Sije7",
        "password-confirm": "Sonce-Sije7",
        "termsAccepted": "on",
    }


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from .browser_support import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Opens pages in fresh browser contexts (as a new browser would), Slovenian, desktop-sized."""
    from .browser_support import DESKTOP

    contexts = []

    def open_page(locale: str = "sl-SI"):
        context = chromium.new_context(locale=locale, viewport=DESKTOP)
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
