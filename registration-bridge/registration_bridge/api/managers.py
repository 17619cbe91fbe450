"""GET /v1/managers: the managers a resident can pick on the registration form."""

from __future__ import annotations

from flask import Blueprint, jsonify

from ..context import registry

bp = Blueprint("managers", __name__)


@bp.get("/v1/managers")
def list_managers():
    return jsonify(managers=[{"id": m.id, "name": m.name} for m in registry().managers()])
