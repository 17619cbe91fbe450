"""What Keycloak made of realm-export.json: the settings that matter survive the minimal file (docs/realm.md).

realm-export.json holds only what we change; Keycloak fills in its defaults at import. These tests read the
imported realm back through the admin REST API, so a setting lost between realm/ and Keycloak fails here.
"""

from __future__ import annotations

import json

import pytest

from devstack.layout import REALM
from devstack.realm_file import USER_PROFILE_SOURCE

pytestmark = pytest.mark.integration

PASSWORD_OPTION = "always_set_password_on_register_form"


def executions(admin, flow: str) -> list[tuple[int, str, str]]:
    """(level, provider or subflow, requirement) of every execution of `flow`, in Keycloak's order."""
    return [
        (e["level"], e["displayName"] if e.get("authenticationFlow") else e["providerId"], e["requirement"])
        for e in admin.get_authentication_flow_executions(flow)
    ]


def test_registration_flow_is_ours_with_the_payer_check_inside_the_form(admin):
    assert admin.get_realm(REALM)["registrationFlow"] == "esoseska registration"
    assert executions(admin, "esoseska registration") == [
        (0, "esoseska registration form", "REQUIRED"),
        (1, "esoseska-phone-number", "REQUIRED"),
        (1, "registration-user-creation", "REQUIRED"),
        (1, "registration-password-action", "REQUIRED"),
        (1, "esoseska-captcha", "REQUIRED"),
        (1, "registration-terms-and-conditions", "REQUIRED"),
        (1, "esoseska-payer-check", "REQUIRED"),
        (1, "esoseska-consents", "REQUIRED"),
    ]


def test_browser_flow_limits_sessions_and_asks_platform_admins_for_an_otp(admin):
    assert admin.get_realm(REALM)["browserFlow"] == "esoseska browser"
    steps = executions(admin, "esoseska browser")
    assert (1, "user-session-limits", "REQUIRED") in steps
    assert (1, "esoseska staff OTP", "CONDITIONAL") in steps and (2, "auth-otp-form", "REQUIRED") in steps


def test_keycloaks_own_flows_are_made_at_import(admin):
    """The file has none of them: Keycloak's migrateFlows adds every missing default flow."""
    realm = admin.get_realm(REALM)
    assert (
        realm["directGrantFlow"],
        realm["resetCredentialsFlow"],
        realm["clientAuthenticationFlow"],
        realm["firstBrokerLoginFlow"],
    ) == ("direct grant", "reset credentials", "clients", "first broker login")
    assert [step[1] for step in executions(admin, "reset credentials")][:3] == [
        "reset-credentials-choose-user",
        "reset-credential-email",
        "reset-password",
    ]


def test_required_actions_are_keycloaks_plus_link_manager(admin):
    actions = {a["alias"]: a for a in admin.get_required_actions()}
    enabled = {alias for alias, a in actions.items() if a["enabled"]}
    assert {
        "VERIFY_EMAIL",
        "UPDATE_PASSWORD",
        "UPDATE_PROFILE",
        "CONFIGURE_TOTP",
        "VERIFY_PROFILE",
        "link-manager",
    } <= enabled
    assert not actions["TERMS_AND_CONDITIONS"]["enabled"] and not actions["delete_account"]["enabled"]
    assert actions["link-manager"]["config"] == {"max_auth_age": "43200"}
    assert not [alias for alias, a in actions.items() if a["defaultAction"]]


def test_user_profile_is_the_readable_source(admin):
    source = json.loads(USER_PROFILE_SOURCE.read_text(encoding="utf-8"))
    profile = admin.get_realm_users_profile()
    assert profile["unmanagedAttributePolicy"] == source["unmanagedAttributePolicy"]
    assert profile["attributes"] == source["attributes"]
    [phone] = [a for a in profile["attributes"] if a["name"] == "phone_number"]
    assert phone["validations"]["pattern"]["pattern"] == "^[0-9]{3} [0-9]{3} [0-9]{3}$"


def test_clients_keep_their_redirects_and_keycloaks_built_in_clients_exist(stack, admin):
    clients = {c["clientId"]: c for c in admin.get_clients()}
    assert {"account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console"} <= set(
        clients
    )
    assert clients["portal-demo"]["redirectUris"] == [f"{stack.settings.portal_url}/callback"]
    # back to the account console through a plain redirect (the console refuses its own login with a query)
    assert clients["add-manager-link"]["redirectUris"] == [
        f"{stack.settings.keycloak_url}/realms/{REALM}/esoseska-account-return"
    ]
    for client_id in ("account", "account-console", "portal-demo"):
        assert clients[client_id]["attributes"]["pkce.code.challenge.method"] == "S256", client_id
    default_scopes = {s["name"] for s in admin.get_default_default_client_scopes()}
    assert {"esoseska-resident", "profile", "email", "roles", "web-origins", "acr", "basic"} <= default_scopes
    optional_scopes = {s["name"] for s in admin.get_default_optional_client_scopes()}
    assert {"offline_access", "address", "phone", "microprofile-jwt"} <= optional_scopes
    assert "payer-admin-api" not in default_scopes | optional_scopes


def test_the_account_console_keeps_keycloaks_roles(admin):
    """The file carries the account client (for its PKCE), so it carries what Keycloak would have made with it."""
    default_role = admin.get_realm(REALM)["defaultRole"]
    names = {role["name"] for role in admin.get_role_composites_by_id(default_role["id"])}
    assert {"offline_access", "uma_authorization", "view-profile", "manage-account"} <= names
    account = admin.get_client_id("account")
    assert {
        "manage-account",
        "manage-account-links",
        "view-profile",
        "view-applications",
        "view-consent",
        "manage-consent",
        "view-groups",
        "delete-account",
    } <= {r["name"] for r in admin.get_client_roles(account)}


def test_the_password_option_of_the_registration_form_still_exists(admin):
    """Keycloak 26.7.3 marks always_set_password_on_register_form deprecated (docs/realm.md). When a Keycloak
    upgrade drops it, this fails: decide then how residents set their password (docs/realm.md)."""
    described = admin.get_authenticator_provider_config_description("registration-password-action")
    names = [p["name"] for p in described.get("properties", [])]
    assert PASSWORD_OPTION in names, (
        f"Keycloak no longer offers {PASSWORD_OPTION} on registration-password-action: residents would set "
        "their password only after verifying the e-mail. Read docs/realm.md ('The password on the registration "
        "form'), adapt the registration flow, the theme's register.ftl and the registration tests."
    )


def _password_option(admin) -> dict:
    [step] = [
        e
        for e in admin.get_authentication_flow_executions("esoseska registration")
        if e.get("providerId") == "registration-password-action"
    ]
    return admin.get_authenticator_config(step["authenticationConfig"])


def _password_fields(browser) -> set[str]:
    form = browser.open_registration().form("kc-register-form")
    return {field["name"] for field in form.find_all("input") if field.get("name") in ("password", "password-confirm")}


def test_the_password_option_is_what_puts_the_password_on_the_form(admin, browser):
    """With e-mail verification on, Keycloak leaves the password off the registration form unless the option is
    set: the fields appear with it and go away without it (so a Keycloak that ignores the option fails here)."""
    config = _password_option(admin)
    assert config["config"] == {PASSWORD_OPTION: "true"}
    assert admin.get_realm(REALM)["verifyEmail"] is True
    assert _password_fields(browser) == {"password", "password-confirm"}, (
        f"the registration form has no password fields although {PASSWORD_OPTION}=true: Keycloak ignores the "
        "option now; see docs/realm.md ('The password on the registration form')"
    )
    try:
        admin.update_authenticator_config({**config, "config": {PASSWORD_OPTION: "false"}}, config["id"])
        assert _password_fields(browser) == set()
    finally:
        admin.update_authenticator_config(config, config["id"])
    assert _password_fields(browser) == {"password", "password-confirm"}
