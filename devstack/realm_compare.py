"""Proof that two realm files give Keycloak the same realm: import each into a running Keycloak, read back.

`python -m devstack.realm_compare OLD.json NEW.json` starts a throwaway Keycloak (start-dev, our provider JAR,
under var/realm-compare/; `--url URL` uses a running one with the bootstrap admin admin/admin instead), imports
OLD, reads the effective realm through the admin REST API (the realm settings, a partial export with clients,
roles, groups, client scopes, flows, authenticator configs, required actions and components, every flow's
executions, the user profile, and every service account's role mappings), deletes it, does the same with NEW,
and prints every difference. Ids, generated secrets and generated keys are left
out: Keycloak makes them afresh at every import. Exit status 0: no difference.

A Keycloak at URL needs our provider JAR (the flows name its authenticators). The `${NAME:default}` placeholders
are resolved to their defaults, as the dev import does. E.g. the old export against today's file:
`git show <commit>:realm-export.json > /tmp/old.json`,
`python -m devstack.realm_compare /tmp/old.json realm-export.json`.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import requests

from .layout import PROVIDER_JAR, REALM, ROOT, VAR, Ports, keycloak_dist
from .services import Service, http_ok
from .stack import ADMIN_PASSWORD, ADMIN_USER

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::([^}]*))?\}")
# generated at every import, or a pointer to something generated
VOLATILE_KEYS = {
    "id",
    "containerId",
    "flowId",
    "parentFlow",
    "parentId",
    "createdTimestamp",
    "notBefore",
    "secret",
    "client.secret.creation.time",
    "authenticationConfig",
    "kid",
    "certificate",
    "publicKey",
    "privateKey",
}
# key providers: their key material is generated; compare only which providers exist
KEY_PROVIDER = "org.keycloak.keys.KeyProvider"
NATURAL_KEYS = ("clientId", "alias", "name", "username", "providerId", "protocolMapper")


def resolved(text: str) -> dict:
    return json.loads(PLACEHOLDER.sub(lambda m: m.group(2) if m.group(2) is not None else f"x-{m.group(1)}", text))


class Admin:
    def __init__(self, url: str, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> None:
        self.url = url.rstrip("/")
        token = requests.post(
            f"{self.url}/realms/master/protocol/openid-connect/token",
            timeout=30,
            data={"grant_type": "password", "client_id": "admin-cli", "username": user, "password": password},
        )
        token.raise_for_status()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs):
        response = self.session.request(method, f"{self.url}/admin/realms{path}", timeout=120, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json() if response.content else None


def effective_realm(admin: Admin, realm_file: dict) -> dict:
    """Import `realm_file`, read back what Keycloak made of it, delete the realm again."""
    name = realm_file["realm"]
    if any(r["realm"] == name for r in admin.call("GET", "")):
        admin.call("DELETE", f"/{name}")
    admin.call("POST", "", json=realm_file)
    try:
        export = admin.call(
            "POST", f"/{name}/partial-export", params={"exportClients": "true", "exportGroupsAndRoles": "true"}
        )
        service_accounts = {}
        for client in admin.call("GET", f"/{name}/clients"):
            if client.get("serviceAccountsEnabled"):
                user = admin.call("GET", f"/{name}/clients/{client['id']}/service-account-user")
                service_accounts[client["clientId"]] = admin.call("GET", f"/{name}/users/{user['id']}/role-mappings")
        executions = {
            flow["alias"]: admin.call("GET", f"/{name}/authentication/flows/{flow['alias']}/executions")
            for flow in admin.call("GET", f"/{name}/authentication/flows")
        }
        return {
            "realm": admin.call("GET", f"/{name}"),
            "export": export,
            "user-profile": admin.call("GET", f"/{name}/users/profile"),
            "service-accounts": service_accounts,
            "flow-executions": executions,
            "required-actions": admin.call("GET", f"/{name}/authentication/required-actions"),
        }
    finally:
        admin.call("DELETE", f"/{name}")


def normalised(node):
    """Without generated values; lists in a stable order (each item by its natural key or its text)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in VOLATILE_KEYS:
                continue
            if k == KEY_PROVIDER and isinstance(v, list):
                out[k] = sorted(f"{c.get('name')} ({c.get('providerId')})" for c in v)
                continue
            if k == "kc.user.profile.config" and isinstance(v, list):
                v = [json.loads(text) for text in v]
            out[k] = normalised(v)
        return out
    if isinstance(node, list):
        items = [normalised(item) for item in node]
        if items and all(isinstance(item, dict) and "level" in item and "index" in item for item in items):
            return items  # a flow's executions, in Keycloak's order
        return sorted(items, key=lambda item: json.dumps(_sort_key(item), sort_keys=True))
    if isinstance(node, str) and node == "**********":
        return "<masked>"
    return node


def _sort_key(item):
    if isinstance(item, dict):
        return [str(item.get(k)) for k in NATURAL_KEYS if k in item] + [json.dumps(item, sort_keys=True)]
    return item


def label(item) -> str:
    if isinstance(item, dict) and "level" in item and "index" in item:
        return f"{item['level']}.{item['index']} {item.get('displayName')}"
    if isinstance(item, dict):
        for k in NATURAL_KEYS:
            if k in item:
                return f"{k}={item[k]}"
    return json.dumps(item, sort_keys=True)[:60]


def differences(old, new, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for k in sorted(set(old) | set(new)):
            if k not in new:
                found.append(f"{path}.{k}: only in old: {json.dumps(old[k])[:200]}")
            elif k not in old:
                found.append(f"{path}.{k}: only in new: {json.dumps(new[k])[:200]}")
            else:
                found += differences(old[k], new[k], f"{path}.{k}")
        return found
    if isinstance(old, list) and isinstance(new, list) and old != new:
        if all(isinstance(x, dict) for x in old + new):
            old_by, new_by = {label(x): x for x in old}, {label(x): x for x in new}
            if len(old_by) == len(old) and len(new_by) == len(new):
                return differences(old_by, new_by, path)
        return [f"{path}: {json.dumps(old)[:300]} != {json.dumps(new)[:300]}"]
    if old != new:
        return [f"{path}: {json.dumps(old)[:300]} != {json.dumps(new)[:300]}"]
    return []


def compare(url: str, old_file: Path, new_file: Path) -> list[str]:
    admin = Admin(url)
    old = normalised(effective_realm(admin, resolved(old_file.read_text(encoding="utf-8"))))
    new = normalised(effective_realm(Admin(url), resolved(new_file.read_text(encoding="utf-8"))))
    return differences(old, new)


def throwaway_keycloak() -> tuple[Service, str]:
    """Keycloak in dev mode with our provider on free loopback ports, its data under var/realm-compare/."""
    home, ports = VAR / "realm-compare" / "keycloak", Ports.free()
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(keycloak_dist(), home, symlinks=True)
    shutil.copy2(PROVIDER_JAR, home / "providers" / PROVIDER_JAR.name)
    url = f"http://localhost:{ports.keycloak}"
    keycloak = Service(
        "Keycloak (realm comparison)",
        [
            home / "bin" / "kc.sh",
            "start-dev",
            f"--http-port={ports.keycloak}",
            f"--http-management-port={ports.keycloak_management}",
            "--health-enabled=true",
        ],
        env={"KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER, "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD},
        cwd=ROOT,
        log_path=home.parent / "keycloak.log",
        ready=http_ok(f"http://127.0.0.1:{ports.keycloak_management}/health/ready"),
        ready_timeout=240,
    )
    return keycloak.start(), url


def main(argv: list[str]) -> int:
    url = None
    if argv[:1] == ["--url"] and len(argv) > 1:
        url, argv = argv[1], argv[2:]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    old_file, new_file = argv
    keycloak = None
    try:
        if url is None:
            keycloak, url = throwaway_keycloak()
            keycloak.wait_ready()
        found = compare(url, Path(old_file), Path(new_file))
    finally:
        if keycloak is not None:
            keycloak.stop()
    for line in found:
        print(line)
    print(f"{len(found)} difference(s) in the effective realm {REALM!r} between {old_file} and {new_file}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
