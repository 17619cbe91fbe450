"""Why an admin API token was not accepted; kept apart from the checking code so that importing them is cheap."""

from __future__ import annotations


class InvalidToken(Exception):
    """The token is not one we accept; the message says why (for logs and error_description, no secrets)."""


class KeysUnavailable(Exception):
    """The realm's keys could not be fetched (Keycloak down, slow, or answering nonsense)."""
