"""realm-export.json, generated from the readable sources in realm/ (`make realm`, `python -m devstack.realm_file`).

realm/esoseska.json holds what our realm changes of Keycloak's defaults; realm/user-profile.json holds the user
profile, which Keycloak takes only as one JSON string inside a component's config. This module puts the two
together in the file Keycloak imports (dev, tests and docker-compose.yml all import realm-export.json). Never edit
realm-export.json by hand: tests/unit/test_realm_file.py fails when it differs from what this module makes.
`--check` only compares (exit status 1 when the file is stale). docs/realm.md explains the sources.
"""

from __future__ import annotations

import json
import sys

from .layout import REALM_FILE, ROOT

SOURCE_DIR = ROOT / "realm"
REALM_SOURCE = SOURCE_DIR / "esoseska.json"
USER_PROFILE_SOURCE = SOURCE_DIR / "user-profile.json"
USER_PROFILE_COMPONENT = "org.keycloak.userprofile.UserProfileProvider"
WIDTH = 120


def realm_representation() -> dict:
    """The realm as Keycloak imports it: the realm source with the user profile embedded as its one string."""
    realm = json.loads(REALM_SOURCE.read_text(encoding="utf-8"))
    profile = json.loads(USER_PROFILE_SOURCE.read_text(encoding="utf-8"))
    components = realm.setdefault("components", {})
    if USER_PROFILE_COMPONENT in components:
        raise ValueError(f"{REALM_SOURCE.name} must not hold the user profile: {USER_PROFILE_SOURCE.name} has it")
    components[USER_PROFILE_COMPONENT] = [
        {
            "providerId": "declarative-user-profile",
            "subComponents": {},
            "config": {"kc.user.profile.config": [json.dumps(profile, ensure_ascii=False, separators=(",", ":"))]},
        }
    ]
    return realm


def formatted(node) -> str:
    """JSON indented by two, with every object or list that fits in one line of WIDTH columns on one line."""
    return _format(node, 0) + "\n"


def _format(node, indent: int, prefix: int = 0) -> str:
    """`node` on a line indented by `indent`, after `prefix` characters (its key)."""
    flat = json.dumps(node, ensure_ascii=False)
    if not isinstance(node, (dict, list)) or not node or indent + prefix + len(flat) < WIDTH:  # room for a comma
        return flat
    inner = " " * (indent + 2)
    if isinstance(node, dict):
        items = []
        for key, value in node.items():
            key_text = json.dumps(key, ensure_ascii=False) + ": "
            items.append(inner + key_text + _format(value, indent + 2, len(key_text)))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [inner + _format(value, indent + 2) for value in node]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def generated() -> str:
    return formatted(realm_representation())


def main(argv: list[str]) -> int:
    text = generated()
    current = REALM_FILE.read_text(encoding="utf-8") if REALM_FILE.exists() else None
    if argv == ["--check"]:
        if current != text:
            print(
                f"{REALM_FILE.name} is stale: run `make realm` (it is generated from {SOURCE_DIR.name}/)",
                file=sys.stderr,
            )
            return 1
        return 0
    if argv:
        print("usage: python -m devstack.realm_file [--check]", file=sys.stderr)
        return 2
    if current != text:
        REALM_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {REALM_FILE.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
