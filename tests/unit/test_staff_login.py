"""`registration-bridge staff-login`: the device login's script side (Keycloak mocked; the real one in
tests/integration/test_admin_api.py)."""

from __future__ import annotations

from functools import partialmethod
from unittest import mock

import pytest
import responses
from click.testing import CliRunner
from registration_bridge.cli import main
from registration_bridge.staff_login import DeviceLoginError, StaffLogin

OIDC = "https://id.example.si/realms/esoseska/protocol/openid-connect"
DEVICE = {
    "device_code": "dev-code",
    "user_code": "ABCD-EFGH",
    "verification_uri": "https://id.example.si/realms/esoseska/device",
    "verification_uri_complete": "https://id.example.si/realms/esoseska/device?user_code=ABCD-EFGH",
    "expires_in": 600,
    "interval": 5,
}


def test_the_command_prints_where_to_log_in_and_then_only_the_token():
    with responses.RequestsMock() as rsps:
        rsps.post(f"{OIDC}/auth/device", json=DEVICE)
        rsps.post(f"{OIDC}/token", json={"error": "authorization_pending"}, status=400)
        rsps.post(f"{OIDC}/token", json={"access_token": "the-token", "token_type": "Bearer"})
        # the command's polls without their 5 s waits (wait_for_token's default sleep is bound at import)
        no_waits = partialmethod(StaffLogin.wait_for_token, sleep=lambda _: None)
        with mock.patch.object(StaffLogin, "wait_for_token", no_waits):
            result = CliRunner().invoke(
                main,
                ["staff-login", "--keycloak-url", "https://id.example.si"],
                env={"PAYER_ADMIN_CLI_SECRET": "cli-secret"},
            )
        token_requests = [call.request for call in rsps.calls if call.request.url.endswith("/token")]
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "the-token"
    assert DEVICE["verification_uri_complete"] in result.stderr and "ABCD-EFGH" in result.stderr
    assert all("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code" in r.body for r in token_requests)
    assert all("password" not in r.body for r in token_requests)


def test_a_refused_login_is_an_error_not_a_token():
    login = StaffLogin("https://id.example.si", "esoseska", client_secret="s")
    with responses.RequestsMock() as rsps:
        rsps.post(f"{OIDC}/auth/device", json=DEVICE)
        rsps.post(f"{OIDC}/token", json={"error": "access_denied"}, status=400)
        with pytest.raises(DeviceLoginError, match="access_denied"):
            login.wait_for_token(login.start(), sleep=lambda _: None)


def test_slow_down_widens_the_polling_interval_and_expiry_ends_the_wait():
    login = StaffLogin("https://id.example.si", "esoseska")
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with responses.RequestsMock() as rsps:
        rsps.post(f"{OIDC}/auth/device", json={**DEVICE, "expires_in": 30})
        rsps.post(f"{OIDC}/token", json={"error": "slow_down"}, status=400)
        rsps.post(f"{OIDC}/token", json={"error": "authorization_pending"}, status=400)
        with pytest.raises(DeviceLoginError, match="not completed in time"):
            login.wait_for_token(login.start(), sleep=sleep, clock=lambda: now[0])
    assert waits[:2] == [5, 10]
