"""The admin API for payer lists: upload a manager's list, read its claims and audit log.

Callers present a Keycloak access token for the audience `payer-admin-api` (see bearer.py and admin_access.py):
platform admins may touch every manager, a manager's staff only their own.
"""

from __future__ import annotations

import logging

from flask import current_app, jsonify, request

from .. import admin_actions, metrics
from ..audit import Actor, AuditLog
from ..context import db_session, registry, settings
from ..csv_import import CsvImportError
from .bearer import bearer_blueprint, require_rights_for
from .uploads import csv_upload
from .validation import BadRequestBody

bp = bearer_blueprint("payer_admin", __name__, url_prefix="/v1/managers/<manager_id>")
log = logging.getLogger(__name__)

DEFAULT_PAGE = 100
MAX_PAGE = 1000


@bp.before_request
def allow_large_uploads():
    # runs after the token check (registered later); only this blueprint's requests get the larger limit
    if request.method == "POST":
        request.max_content_length = settings().max_upload_bytes


@bp.post("/payers")
def upload_payers(manager_id: str):
    """Import a payer list: the same format and rules as `registration-bridge import-payers`, all or nothing."""
    admin = require_rights_for(manager_id)
    if registry().manager(manager_id) is None:
        return jsonify(error="unknown_manager"), 404
    stream, filename = csv_upload(request)
    try:
        report = admin_actions.import_payers(
            db_session(),
            current_app.extensions["bridge.hasher"],
            manager_id,
            stream,
            Actor(admin.username, via="api", subject=admin.subject),
            source=filename,
        )
    except CsvImportError as exc:
        log.info("payer upload for %s by %s refused: %d problems", manager_id, admin.username, len(exc.errors))
        metrics.PAYER_IMPORTS.labels("refused").inc()
        return jsonify(error="invalid_csv", problems=[str(e) for e in exc.errors]), 400
    finally:
        stream.close()
    log.info(
        "payer upload for %s by %s: %d rows (%d new, %d updated, %d unchanged)",
        manager_id,
        admin.username,
        report.rows,
        report.inserted,
        report.updated,
        report.unchanged,
    )
    metrics.record_import(report)
    return jsonify(
        manager_id=manager_id,
        rows=report.rows,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        encoding=report.encoding,
    )


@bp.get("/claims")
def list_claims(manager_id: str):
    """The manager's claims by payer code, a page at a time: `?limit=` and `?after=<last payer code>`."""
    require_rights_for(manager_id)
    if registry().manager(manager_id) is None:
        return jsonify(error="unknown_manager"), 404
    limit = _limit()
    after = request.args.get("after")
    if after is not None and (len(after) > 64 or any(ord(ch) < 32 or ord(ch) == 127 for ch in after)):
        raise BadRequestBody(["after must be a payer code"])
    rows = registry().claims_page(manager_id, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(
        manager_id=manager_id,
        claims=[{"payer_code": r.payer_code, "user_id": r.keycloak_user_id, "claimed_at": r.claimed_at} for r in rows],
        next_after=rows[-1].payer_code if more else None,
    )


@bp.get("/audit")
def list_audit(manager_id: str):
    """The manager's audit log, newest first: `?limit=` and `?before=<id of the last entry seen>`."""
    require_rights_for(manager_id)
    if registry().manager(manager_id) is None:
        return jsonify(error="unknown_manager"), 404
    limit = _limit()
    before = _whole_number("before")
    entries = AuditLog(db_session()).entries(manager_id, limit=limit + 1, before_id=before)
    more = len(entries) > limit
    entries = entries[:limit]
    return jsonify(
        manager_id=manager_id,
        entries=[
            {
                "id": e.id,
                "at": e.at.isoformat(timespec="seconds"),
                "actor": e.actor,
                "actor_subject": e.actor_subject,
                "via": e.via,
                "action": e.action,
                "details": e.details,
            }
            for e in entries
        ],
        next_before=entries[-1].id if more else None,
    )


def _limit() -> int:
    limit = _whole_number("limit")
    if limit is None:
        return DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequestBody([f"limit must be between 1 and {MAX_PAGE}"])
    return limit


MAX_ID = 2**31 - 1  # ids are 32-bit integers (PostgreSQL refuses larger ones in a comparison)


def _whole_number(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
        raise BadRequestBody([f"{name} must be a whole number from 0 to {MAX_ID}"])
    return int(raw)
