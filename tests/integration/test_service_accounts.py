"""Attack: with the running bridge's own credentials (client registration-bridge, the secret the bridge holds),
try to change users through Keycloak's admin API. Only reading one user works; the command line's client
(registration-bridge-ops) still reconciles (tests/integration/test_accounts.py, test_claims.py, test_operations.py)."""

from __future__ import annotations

import uuid

import pytest
import requests
from keycloak.exceptions import KeycloakError
from registration_bridge.keycloak_gateway import KeycloakGateway
from registration_bridge.settings import Settings

from devstack.layout import REALM

from ..figures import record

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def runtime_token(stack) -> str:
    response = requests.post(
        f"{stack.settings.keycloak_url}/realms/{REALM}/protocol/openid-connect/token",
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_id": "registration-bridge",
            "client_secret": stack.settings.bridge_client_secret,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
def victim(admin) -> str:
    email = f"zrtev.{uuid.uuid4().hex[:8]}@example.si"
    user_id = admin.create_user(
        {
            "username": email,
            "email": email,
            "enabled": True,
            "firstName": "Ana",
            "lastName": "Novak",
            "attributes": {"phone_number": ["041 000 222"]},
        }
    )
    yield user_id
    admin.delete_user(user_id)


def test_the_running_bridges_account_can_read_a_user_and_change_nothing(stack, admin, runtime_token, victim):
    users = f"{stack.settings.keycloak_url}/admin/realms/{REALM}/users"
    group = admin.get_group_by_path("/platform-admins")["id"]
    headers = {"Authorization": f"Bearer {runtime_token}"}
    attempts = {
        "update the user's attributes": (
            "PUT",
            f"{users}/{victim}",
            {"attributes": {"payer_accounts": ["staninvest:100200"]}},
        ),
        "disable the user": ("PUT", f"{users}/{victim}", {"enabled": False}),
        "change the e-mail": ("PUT", f"{users}/{victim}", {"email": "evil@attacker.example"}),
        "reset the password": (
            "PUT",
            f"{users}/{victim}/reset-password",
            {"type": "password", "value": "Attacker-Pass1!", "temporary": False},
        ),
        "delete the user": ("DELETE", f"{users}/{victim}", None),
        "create a user": ("POST", users, {"username": f"evil-{uuid.uuid4().hex[:6]}", "enabled": True}),
        "join /platform-admins": ("PUT", f"{users}/{victim}/groups/{group}", None),
        "send an execute-actions e-mail": ("PUT", f"{users}/{victim}/execute-actions-email", ["UPDATE_PASSWORD"]),
        "log the user out": ("POST", f"{users}/{victim}/logout", None),
        "impersonate the user": ("POST", f"{users}/{victim}/impersonation", None),
    }
    answers = {
        what: requests.request(method, url, json=body, headers=headers, timeout=10).status_code
        for what, (method, url, body) in attempts.items()
    }
    forbidden = sum(status == 403 for status in answers.values())
    record("runtime service account: admin calls that change users answered 403", f"{forbidden} of {len(answers)}")
    assert answers == {what: 403 for what in attempts}

    user = admin.get_user(victim)
    assert user["enabled"] and user["email"].startswith("zrtev.") and "payer_accounts" not in user.get("attributes", {})
    assert admin.get_user_groups(victim) == []
    # ... while what the bridge needs at run time works: does this user exist?
    runtime = KeycloakGateway.from_settings(Settings.from_env(stack.settings.bridge_environment()))
    assert runtime.user_exists(victim) is True
    assert runtime.user_exists(str(uuid.uuid4())) is False


def test_the_command_lines_client_may_change_users_and_the_running_bridges_may_not(stack, victim):
    settings = Settings.from_env(stack.settings.bridge_environment())
    KeycloakGateway.for_operations(settings).set_managers(victim, [])  # reconcile's write: allowed (204)
    with pytest.raises(KeycloakError) as refused:
        KeycloakGateway.from_settings(settings).set_managers(victim, [])
    assert refused.value.response_code == 403
