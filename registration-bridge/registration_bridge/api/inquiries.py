"""POST /v1/inquiries: an inquiry from the "Povpraševanje" page, e-mailed to the chosen manager."""

from __future__ import annotations

import logging

from flask import jsonify, request

from ..context import db_session, registry, settings
from ..inquiries import EMAIL_ADDRESS, Inquiry, InquiryDesk, MailFailed, RateLimited, name_problem, normalize_message
from .callbacks import signed_blueprint
from .validation import Field, read_object

bp = signed_blueprint("inquiries", __name__, url_prefix="/v1/inquiries")
log = logging.getLogger(__name__)

FIELDS = {
    "request_id": Field(64),
    "manager_id": Field(64, required=True),
    # any characters, up to a bound: a bad name is a field error the page shows at the name (name_problem)
    "name": Field(4000, required=True, own_check=True),
    "email": Field(254, required=True),
    "message": Field(4000, required=True, multiline=True),
    "client_ip": Field(64),
    "locale": Field(16),
    # the manager's look for the mail (its organization's logoUrl and brandColour, or the platform's)
    "logo_url": Field(2000),
    "brand_colour": Field(16),
}
MAX_MESSAGE = 2000


@bp.post("")
def send_inquiry():
    body = read_object(request, FIELDS)
    errors = [
        {"field": f, "code": "required"}
        for f in ("manager_id", "name", "email", "message")
        if not body.get(f, "").strip()
    ]
    if body.get("name", "").strip() and (problem := name_problem(body["name"].strip())):
        errors.append({"field": "name", "code": problem})
    if body.get("email", "").strip() and not EMAIL_ADDRESS.fullmatch(body["email"].strip()):
        errors.append({"field": "email", "code": "invalid_email"})
    if "message" in body:
        body["message"] = normalize_message(body["message"])
    if len(body.get("message", "")) > MAX_MESSAGE:
        errors.append({"field": "message", "code": "too_long"})
    manager = registry().manager(body["manager_id"].strip()) if body.get("manager_id", "").strip() else None
    if manager is not None and not manager.enabled:  # its organization is disabled or gone
        manager = None
    if body.get("manager_id", "").strip() and manager is None:
        errors.append({"field": "manager_id", "code": "unknown_manager"})
    elif manager is not None and not manager.contact_email:
        errors.append({"field": "manager_id", "code": "no_inquiries"})
    if errors:
        return jsonify(ok=False, errors=errors), 400

    inquiry = Inquiry(
        manager.id,
        body["name"].strip(),
        body["email"].strip(),
        body["message"],
        body.get("client_ip"),
        body.get("logo_url"),
        body.get("brand_colour"),
    )
    try:
        InquiryDesk(db_session(), settings()).send(inquiry, manager)
    except RateLimited:
        log.warning("inquiry refused: rate limit (client %s)", inquiry.client_ip)
        return jsonify(error="rate_limited"), 429
    except MailFailed as exc:
        log.error("inquiry to %s could not be mailed: %s", manager.id, exc)
        return jsonify(error="mail_unavailable"), 503
    log.info("inquiry sent to manager=%s", manager.id)
    return jsonify(ok=True, manager_name=manager.name), 202
