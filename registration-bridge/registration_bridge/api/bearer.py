"""What every admin API request gets first: a Keycloak access token check (401/503), then per-manager rights (403)."""

from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify, request

from ..admin_access import AdminPrincipal
from ..context import token_verifier
from ..token_errors import InvalidToken, KeysUnavailable
from .validation import BadRequestBody

log = logging.getLogger(__name__)
REALM = 'realm="payer-admin-api"'


class NotPermitted(Exception):
    """The token is fine, but its holder may not touch this manager."""


def bearer_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every request must carry a valid access token for the admin API (else 401)."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)

    @bp.before_request
    def require_access_token():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(None)
        try:
            claims = token_verifier().verify(token.strip())
        except KeysUnavailable as exc:
            log.error("admin API: the realm's keys can not be fetched (%s); refusing %s", exc, request.path)
            return jsonify(error="keys_unavailable", description="the sign-in service can not be reached"), 503
        except InvalidToken as exc:
            log.warning("admin API: refused token for %s: %s", request.path, exc)
            return _unauthorized(str(exc))
        g.admin = AdminPrincipal.from_claims(claims)
        return None

    @bp.errorhandler(NotPermitted)
    def not_permitted(_exc: NotPermitted):
        log.warning("admin API: %s may not %s %s", g.admin.username, request.method, request.path)
        response = jsonify(error="forbidden", description="your account has no rights for this manager")
        response.status_code = 403
        response.headers["WWW-Authenticate"] = f'Bearer {REALM}, error="insufficient_scope"'
        return response

    @bp.errorhandler(BadRequestBody)
    def bad_request(exc: BadRequestBody):
        return jsonify(error="invalid_request", problems=exc.problems), 400

    return bp


def current_admin() -> AdminPrincipal:
    return g.admin


def require_rights_for(manager_id: str) -> AdminPrincipal:
    admin = current_admin()
    if not admin.may_manage(manager_id):
        raise NotPermitted(manager_id)
    return admin


def _unauthorized(reason: str | None):
    # RFC 6750: no error code when no token was sent; invalid_token (with a reason) when one was refused
    if reason is None:
        response = jsonify(error="unauthorized", description="send an access token: Authorization: Bearer <token>")
        challenge = f"Bearer {REALM}"
    else:
        response = jsonify(error="invalid_token", description=reason)
        challenge = f'Bearer {REALM}, error="invalid_token", error_description="{reason}"'
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    return response
