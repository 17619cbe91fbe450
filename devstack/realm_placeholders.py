"""The environment variables of realm-export.json: its `${NAME}` and `${NAME:default}` placeholders.

Keycloak resolves them when it imports the realm, so they are what the local run (stack.py) and the production
stack (docker-compose.yml) hand Keycloak. Lower-case `${...}` in the file are message keys of the theme.
"""

from __future__ import annotations

import re

from .layout import REALM_FILE

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::([^}]*))?\}")


def realm_placeholders(text: str | None = None) -> dict[str, str | None]:
    """Name → default (None: no default) of every placeholder in the realm file (or in `text`)."""
    text = REALM_FILE.read_text(encoding="utf-8") if text is None else text
    return {match.group(1): match.group(2) for match in PLACEHOLDER.finditer(text)}
