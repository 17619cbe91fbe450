"""POST /v1/claims/sync: Keycloak tells which payer accounts a user still has; the others are released."""

from __future__ import annotations

import logging

from flask import jsonify, request

from ..context import registry
from .callbacks import signed_blueprint
from .validation import Field, read_object

bp = signed_blueprint("claims", __name__, url_prefix="/v1/claims")
log = logging.getLogger(__name__)

SYNC_FIELDS = {
    "request_id": Field(64),
    "user_id": Field(64, required=True),
    "payer_accounts": Field(200, required=True, many=100),
}


@bp.post("/sync")
def sync():
    body = read_object(request, SYNC_FIELDS)
    released = registry().sync_user_claims(body["user_id"], body["payer_accounts"])
    if released:
        log.info("released claims of user %s: %s", body["user_id"], ", ".join(released))
    return jsonify(released=released)
