"""What every callback from Keycloak gets: a signature check first, and 400 for malformed bodies.

A call's signature (the replay cache) goes into the request's transaction, which transactions.py ends: committed
with the call's changes when the answer is below 500, rolled back with them on a 5xx (the call leaves nothing).
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from .. import replay, signing
from ..context import db_session, settings
from .validation import BadRequestBody

log = logging.getLogger(__name__)


def signed_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every request must carry a fresh X-Signature by the callback secret (else 401)."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix)

    @bp.before_request
    def require_signature():
        s = settings()
        # signed: the method and the path as routed here (without a base path the bridge is mounted under)
        verified = signing.verify(
            request.headers.get(signing.HEADER),
            request.method,
            request.path,
            request.get_data(cache=True),
            s.callback_secrets,
            s.signature_tolerance_seconds,
        )
        if verified is None:
            log.warning("refused callback %s: missing, malformed, bad or stale signature", request.path)
            return jsonify(error="invalid_signature"), 401
        if not replay.first_use(db_session(), verified, s.signature_tolerance_seconds):
            log.warning("refused callback %s: replayed", request.path)
            return jsonify(error="replayed"), 401
        return None

    @bp.errorhandler(BadRequestBody)
    def bad_body(exc: BadRequestBody):
        return jsonify(error="invalid_request", problems=exc.problems), 400

    return bp
