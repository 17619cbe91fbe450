"""PUT /v1/managers/<alias>: Keycloak tells the bridge that an organization (a manager) changed.

Signed like every callback. The organization is the source of truth: the call replaces the manager's name, contact
address and enabled flag. A deleted organization comes as `enabled: false`: the manager is disabled, its payers and
claims stay. `registration-bridge sync-managers` repairs what a failed call missed (manager_sync.py).
"""

from __future__ import annotations

import logging

from flask import jsonify, request

from ..context import registry
from ..manager_sync import valid_alias
from ..models import Manager
from .callbacks import signed_blueprint
from .validation import BadRequestBody, Field, read_object

bp = signed_blueprint("manager_sync", __name__, url_prefix="/v1/managers")
log = logging.getLogger(__name__)

PUT_FIELDS = {
    "request_id": Field(64),
    "name": Field(Manager.name.type.length, required=True),
    "contact_email": Field(Manager.contact_email.type.length),
    "enabled": Field(0, required=True, flag=True),
}


def _alias(alias: str) -> str:
    if not valid_alias(alias):
        raise BadRequestBody(["the alias must be a slug such as staninvest (a-z, 0-9 and '-', at most 64)"])
    return alias


@bp.put("/<alias>")
def put(alias: str):
    body = read_object(request, PUT_FIELDS)
    if not body["name"].strip():
        raise BadRequestBody(["field 'name' must not be blank"])
    contact = (body.get("contact_email") or "").strip() or None
    manager = registry().put_manager(_alias(alias), body["name"].strip(), contact, bool(body["enabled"]))
    log.info("manager %s from its organization: %r enabled=%s", manager.id, manager.name, manager.enabled)
    return jsonify(id=manager.id, name=manager.name, enabled=manager.enabled, contact_email=manager.contact_email)
