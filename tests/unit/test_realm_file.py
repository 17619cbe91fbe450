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
