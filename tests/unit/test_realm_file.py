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
    assert "client registration-bridge" in secrets and "config esoseska-payer-check.callbackSecret" in secrets
    literal = {where: value for where, value in secrets.items() if not PLACEHOLDER.match(value)}
    assert literal == {}


def test_the_realm_file_has_no_key_material():
    text = REALM_FILE.read_text(encoding="utf-8")
    assert "privateKey" not in text and "BEGIN PRIVATE KEY" not in text
    assert "org.keycloak.keys.KeyProvider" not in text


def test_the_admin_api_layout_of_the_realm_matches_what_the_bridge_checks():
    import csv

    from devstack.layout import DEMO_DIR
    from registration_bridge.admin_access import MANAGER_STAFF_GROUP, PLATFORM_ADMIN_ROLE
    from registration_bridge.settings import Settings

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
    assert [cid for cid, c in clients.items() if "payer-admin-api" in c.get("defaultClientScopes", [])
            + c.get("optionalClientScopes", [])] == ["payer-admin-cli"]
    assert "payer-admin-api" not in realm["defaultDefaultClientScopes"] + realm["defaultOptionalClientScopes"]
