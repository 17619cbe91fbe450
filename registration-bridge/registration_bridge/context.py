"""What a request handler needs from the app: its settings, a database session, the registry."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from . import retention
from .guessing import GuessingGuard
from .payer_registry import PayerRegistry
from .settings import Settings
from .tickets import TicketIssuer

if TYPE_CHECKING:
    from .access_tokens import AccessTokenVerifier
    from .keycloak_gateway import KeycloakGateway

_gateway_lock = threading.Lock()


def settings() -> Settings:
    return current_app.extensions["bridge.settings"]


def db_session() -> Session:
    """The app context's database session, closed when the context ends."""
    if "db_session" not in g:
        extensions = current_app.extensions
        g.db_session = extensions["bridge.sessions"]()
        # the retention of personal data, by the running service: now and then, in a thread of its own
        retention.maybe_start(extensions["bridge.engine"], extensions["bridge.sessions"], settings())
    return g.db_session


def registry() -> PayerRegistry:
    session = db_session()
    s = settings()
    return PayerRegistry(
        session,
        current_app.extensions["bridge.hasher"],
        GuessingGuard(session, s),
        user_exists=_keycloak_user_exists,
        orphan_claim_age=timedelta(seconds=s.orphan_claim_age_seconds),
    )


def _keycloak_user_exists(user_id: str) -> bool:
    return keycloak_gateway().user_exists(user_id)


def keycloak_gateway() -> KeycloakGateway:
    """The app's one client of Keycloak's admin API, made at its first use and shared by the worker's threads, so
    its service-account token serves every orphan check until it expires (not one token per check)."""
    extensions = current_app.extensions
    gateway = extensions.get("bridge.keycloak_gateway")
    if gateway is None:
        with _gateway_lock:
            gateway = extensions.get("bridge.keycloak_gateway")
            if gateway is None:
                from .keycloak_gateway import KeycloakGateway

                gateway = extensions["bridge.keycloak_gateway"] = KeycloakGateway.from_settings(settings())
    return gateway


def tickets() -> TicketIssuer:
    return current_app.extensions["bridge.tickets"]


def token_verifier() -> AccessTokenVerifier:
    """The admin API's token checker, made at its first use (so workers that never see a token start faster)."""
    extensions = current_app.extensions
    if "bridge.token_verifier" not in extensions:
        from .access_tokens import AccessTokenVerifier
        from .realm_keys import RealmKeys

        s = settings()
        keys = RealmKeys.from_url(
            s.realm_jwks_url,
            timeout=s.jwks_timeout_seconds,
            max_age=s.jwks_max_age_seconds,
            min_refetch=s.jwks_min_refetch_seconds,
        )
        extensions["bridge.token_verifier"] = AccessTokenVerifier(
            keys.key_for, issuer=s.realm_issuer, audience=s.admin_api_audience, leeway=s.token_leeway_seconds
        )
    return extensions["bridge.token_verifier"]
