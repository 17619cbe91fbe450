"""realm-export.json carries no production secret: every secret is an ${ENV} placeholder with a marked dev default."""

from __future__ import annotations

import json
import re

from devstack.layout import REALM_FILE

PLACEHOLDER = re.compile(r"^\$\{[A-Z][A-Z0-9_]*(:dev-only-[a-z0-9-]+)?\}$")


def secret_values(realm: dict) -> dict[str, str]:
    found = {}
    for client in realm.get("clients", []):
        if "secret" in client:
            found[f"client {client['clientId']}"] = client["secret"]
    for config in realm.get("authenticatorConfig", []):
        for key, value in config.get("config", {}).items():
            if key.lower().endswith("secret") or key.lower() in ("password", "secret.key", "client.secret"):
                found[f"config {config['alias']}.{key}"] = value
    smtp = realm.get("smtpServer", {})
    if smtp.get("password"):
        found["smtp password"] = smtp["password"]
    for user in realm.get("users", []):
        for credential in user.get("credentials", []):
            found[f"credential of {user['username']}"] = json.dumps(credential)
    return found


def test_every_secret_of_the_realm_file_is_a_placeholder_with_a_marked_dev_default():
    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    secrets = secret_values(realm)
    assert "client registration-bridge" in secrets
    literal = {where: value for where, value in secrets.items() if not PLACEHOLDER.match(value)}
    assert literal == {}


def test_the_bridge_settings_are_not_in_the_realm_file():
    # the callback secret is in Keycloak's vault, URL and timeout are server options (BridgeOptions): an export of
    # the realm carries none of them, and no flow has to be walked to find them
    text = REALM_FILE.read_text(encoding="utf-8")
    for name in ("callbackSecret", "BRIDGE_CALLBACK_SECRET", "bridgeUrl", "BRIDGE_URL", "timeoutMs"):
        assert name not in text, name


def test_the_realm_file_has_no_key_material():
    text = REALM_FILE.read_text(encoding="utf-8")
    assert "privateKey" not in text and "BEGIN PRIVATE KEY" not in text
    assert "org.keycloak.keys.KeyProvider" not in text


def test_the_admin_api_layout_of_the_realm_matches_what_the_bridge_checks():
    import csv

    from registration_bridge.admin_access import MANAGER_STAFF_GROUP, PLATFORM_ADMIN_ROLE
    from registration_bridge.settings import Settings

    from devstack.layout import DEMO_DIR

    realm = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    assert PLATFORM_ADMIN_ROLE in [role["name"] for role in realm["roles"]["realm"]]
    groups = {group["name"]: group for group in realm["groups"]}
    assert groups["platform-admins"]["realmRoles"] == [PLATFORM_ADMIN_ROLE]
    staff_groups = [sub["path"] for sub in groups["manager-staff"]["subGroups"]]
    with open(DEMO_DIR / "managers.csv", encoding="utf-8", newline="") as managers:
        demo_managers = [row["id"] for row in csv.DictReader(managers)]
    assert staff_groups == [f"{MANAGER_STAFF_GROUP}{manager_id}" for manager_id in demo_managers]

    [scope] = [s for s in realm["clientScopes"] if s["name"] == "payer-admin-api"]
    mappers = {m["protocolMapper"]: m["config"] for m in scope["protocolMappers"]}
    assert mappers["oidc-audience-mapper"]["included.client.audience"] == Settings().admin_api_audience
    assert mappers["oidc-group-membership-mapper"]["full.path"] == "true"
    assert mappers["oidc-group-membership-mapper"]["claim.name"] == "groups"
    clients = {client["clientId"]: client for client in realm["clients"]}
    assert clients["payer-admin-cli"]["defaultClientScopes"].count("payer-admin-api") == 1
    assert clients["payer-admin-cli"]["secret"].startswith("${PAYER_ADMIN_CLI_SECRET:")
    # only the staff scripts' client gets the audience: a resident's portal token must not work on the admin API
    assert [
        cid
        for cid, c in clients.items()
        if "payer-admin-api" in c.get("defaultClientScopes", []) + c.get("optionalClientScopes", [])
    ] == ["payer-admin-cli"]
    # (absent: Keycloak's own default scopes, which do not include ours)
    assert "payer-admin-api" not in realm["defaultDefaultClientScopes"] + realm.get("defaultOptionalClientScopes", [])


def realm() -> dict:
    return json.loads(REALM_FILE.read_text(encoding="utf-8"))


def clients() -> dict[str, dict]:
    return {client["clientId"]: client for client in realm()["clients"]}


def service_account_roles(client_id: str) -> list[str]:
    [user] = [u for u in realm()["users"] if u.get("serviceAccountClientId") == client_id]
    return sorted(user["clientRoles"]["realm-management"])


def test_the_running_bridge_may_only_read_users_and_the_command_line_has_its_own_client():
    assert service_account_roles("registration-bridge") == ["view-users"]
    # reconcile lists users (query) and aligns `managers` (manage) when Keycloak's listener could not
    assert service_account_roles("registration-bridge-ops") == [
        "manage-organizations",  # sync-managers reads organizations, add-manager creates one
        "manage-users",
        "query-users",
        "view-users",
    ]
    ops = clients()["registration-bridge-ops"]
    assert ops["serviceAccountsEnabled"] and not ops["publicClient"]
    assert not (ops["standardFlowEnabled"] or ops["directAccessGrantsEnabled"] or ops["implicitFlowEnabled"])
    assert ops["secret"] == "${BRIDGE_OPS_CLIENT_SECRET:dev-only-bridge-ops-client-secret}"


def test_no_client_accepts_a_wildcard_redirect_of_the_demo_clients():
    for client_id in ("portal-demo", "add-manager-link"):
        client = clients()[client_id]
        uris = client["redirectUris"] + client.get("attributes", {}).get("post.logout.redirect.uris", "").split("##")
        assert uris and not [uri for uri in uris if "*" in uri], client_id
    assert clients()["portal-demo"]["redirectUris"] == ["${PORTAL_DEMO_URL:http://localhost:5000}/callback"]


def test_every_public_client_with_a_browser_flow_requires_pkce_s256():
    public = [
        c
        for c in clients().values()
        if c.get("publicClient") and c.get("standardFlowEnabled", True) and not c.get("bearerOnly")
    ]
    assert {"account", "account-console"} <= {c["clientId"] for c in public}
    for client in public:
        assert client.get("attributes", {}).get("pkce.code.challenge.method") == "S256", client["clientId"]


def test_the_add_manager_links_codes_can_not_be_redeemed():
    """The account console's link runs the action and comes back with a code nobody needs: the client is
    confidential and its secret is generated by Keycloak at import and given to nobody (a PKCE challenge in the
    link would not fit Keycloak's 255 characters of baseUrl)."""
    link = clients()["add-manager-link"]
    assert link["publicClient"] is False and "secret" not in link
    assert link["clientAuthenticatorType"] == "client-secret"
    assert (
        "redirect_uri=${KEYCLOAK_PUBLIC_URL:http://localhost:8080}%2Frealms%2Fesoseska%2Fesoseska-account-return"
        in link["baseUrl"]
    )


def test_staff_scripts_use_the_device_grant_not_the_password_grant():
    cli = clients()["payer-admin-cli"]
    assert cli["attributes"]["oauth2.device.authorization.grant.enabled"] == "true"
    assert cli["directAccessGrantsEnabled"] is False and cli["standardFlowEnabled"] is False
    password_grant = [c["clientId"] for c in clients().values() if c.get("directAccessGrantsEnabled")]
    assert password_grant in ([], ["admin-cli"])


def test_platform_admins_and_manager_staff_need_an_otp_in_the_browser_flow():
    r = realm()
    flows = {flow["alias"]: flow for flow in r["authenticationFlows"]}
    configs = {config["alias"]: config["config"] for config in r["authenticatorConfig"]}
    forms = [e for e in flows["esoseska browser forms"]["authenticationExecutions"] if e.get("flowAlias")]
    admin_flow = flows[forms[0]["flowAlias"]]
    [condition, otp] = sorted(admin_flow["authenticationExecutions"], key=lambda e: e["priority"])
    assert forms[0]["requirement"] == "CONDITIONAL"
    assert condition["authenticator"] == "conditional-user-role" and condition["requirement"] == "REQUIRED"
    assert configs[condition["authenticatorConfig"]] == {"condUserRole": "otp-required", "negate": "false"}
    roles = {role["name"]: role for role in r["roles"]["realm"]}
    assert "otp-required" in roles["platform-admin"]["composites"]["realm"]
    [staff] = [g for g in r["groups"] if g["path"] == "/manager-staff"]
    assert staff["realmRoles"] == ["otp-required"]  # its subgroups (one per manager) inherit it
    assert otp["authenticator"] == "auth-otp-form" and otp["requirement"] == "REQUIRED"
    assert r["browserFlow"] == "esoseska browser"
    [configure_totp] = [a for a in r["requiredActions"] if a["alias"] == "CONFIGURE_TOTP"]
    assert configure_totp["enabled"]


def test_every_text_fits_keycloaks_255_character_columns():
    """Keycloak refuses the whole import (the server does not start) for one description or link too long."""

    def texts(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from texts(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from texts(value, f"{path}[{index}]")
        elif isinstance(node, str) and path.rsplit(".", 1)[-1] in (
            "description",
            "baseUrl",
            "rootUrl",
            "name",
            "alias",
        ):
            yield path, node

    too_long = {path: len(value) for path, value in texts(realm()) if len(value) > 255}
    assert too_long == {}


def test_realm_export_json_is_the_file_generated_from_realm_sources():
    """realm-export.json is generated from realm/esoseska.json and realm/user-profile.json: an edit by hand is lost
    at the next `make realm`, so it fails here instead."""
    from devstack.realm_file import generated

    assert REALM_FILE.read_text(encoding="utf-8") == generated(), (
        "realm-export.json differs from what realm/ generates: edit realm/esoseska.json or realm/user-profile.json, "
        "then run `make realm` (see docs/realm.md)"
    )


def test_keycloak_gets_the_readable_user_profile_as_its_one_config_string():
    from devstack.realm_file import USER_PROFILE_SOURCE

    [component] = realm()["components"]["org.keycloak.userprofile.UserProfileProvider"]
    [config] = component["config"]["kc.user.profile.config"]
    assert json.loads(config) == json.loads(USER_PROFILE_SOURCE.read_text(encoding="utf-8"))
    names = [attribute["name"] for attribute in json.loads(config)["attributes"]]
    assert {"email", "phone_number", "managers", "payer_accounts", "terms_accepted_at"} <= set(names)


def test_the_realm_source_holds_only_what_differs_from_keycloaks_defaults():
    """Keycloak makes its own default flows, clients, client scopes and keys at import (docs/realm.md); a pasted full
    export would freeze the defaults of one Keycloak version and hide what we changed."""
    from devstack.realm_file import REALM_SOURCE

    source = json.loads(REALM_SOURCE.read_text(encoding="utf-8"))
    builtin_flows = {
        "browser",
        "direct grant",
        "registration",
        "registration form",
        "reset credentials",
        "clients",
        "first broker login",
        "docker auth",
        "saml ecp",
        "forms",
        "Organization",
    }
    assert builtin_flows.isdisjoint(flow["alias"] for flow in source["authenticationFlows"])
    assert all(flow["alias"].startswith("esoseska ") for flow in source["authenticationFlows"])
    builtin_clients = {"admin-cli", "broker", "realm-management", "security-admin-console"}
    assert builtin_clients.isdisjoint(client["clientId"] for client in source["clients"])
    assert '"id":' not in REALM_SOURCE.read_text(encoding="utf-8")
