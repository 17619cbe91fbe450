"""Restarts lose nothing: Keycloak keeps users, links and sessions; the bridge keeps its claims."""

from __future__ import annotations

import json

import pytest
import requests

from ..figures import record
from .conftest import run_bridge_cli
from .keycloak_pages import Browserless, jwt_claims
from .test_registration import register, users_with_email

pytestmark = pytest.mark.integration


def test_keycloak_and_bridge_restarts_keep_users_links_sessions_and_claims(stack, browser, admin, resident, payer):
    register(browser, resident)
    [user] = users_with_email(admin, resident["email"])
    admin.update_user(user["id"], {**admin.get_user(user["id"]), "emailVerified": True})
    app = Browserless(
        browser.keycloak_url, browser.realm, browser.client_id, browser.redirect_uri, browser.client_secret
    )
    tokens = app.log_in(resident["email"], resident["password"])

    stack.keycloak.stop()
    stack.bridge.stop()
    stack.bridge.start().wait_ready()
    stack.keycloak.start().wait_ready()

    # the session lives on: its refresh token still works and the new tokens carry the links
    refreshed = requests.post(
        f"{app.oidc}/token",
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert jwt_claims(refreshed.json()["id_token"])["payer_accounts"] == [f"staninvest:{payer['code']}"]
    claims = json.loads(run_bridge_cli(stack, "claims", "--json").stdout)
    assert [c["keycloak_user_id"] for c in claims if c["payer_code"] == payer["code"]] == [user["id"]]
    # and registration works again after the restart
    again = dict(resident, email=f"po.{resident['email']}", payerCode="100203", billPassword="Blok-A-15")
    register(browser, again)
    assert len(users_with_email(admin, again["email"])) == 1
    record("fault: Keycloak and bridge restarted", "survived: users, links, sessions and claims kept")
