"""Callbacks from Keycloak's registration form: check a payer, then claim it for the new user.

Every call must carry a fresh `X-Signature` by the shared callback secret; anything else gets 401
and changes nothing.
"""

from __future__ import annotations

import logging

from flask import jsonify, request

from ..context import registry, tickets
from ..metrics import PAYER_CHECKS, PAYER_CLAIMS
from ..payer_accounts import format_account, normalize_payer_code
from ..payer_registry import ClaimOutcome, Outcome
from ..tickets import InvalidTicket, PayerRef
from .callbacks import signed_blueprint
from .validation import Field, read_object

bp = signed_blueprint("registrations", __name__, url_prefix="/v1/registrations")
log = logging.getLogger(__name__)

VERIFY_FIELDS = {
    "request_id": Field(64),
    "manager_id": Field(64, required=True),
    "payer_code": Field(64, required=True),
    "bill_password": Field(128, required=True),
    "email": Field(254),
    "first_name": Field(200),
    "last_name": Field(200),
    "client_ip": Field(64),
    "locale": Field(16),
}
CLAIM_FIELDS = {
    "request_id": Field(64),
    "ticket": Field(1024, required=True),
    "user_id": Field(64, required=True),
}

# The form shows one answer for all of these, so the form can not be used to learn which payers exist.
# (a locked or throttled payer code included: the form must not become an oracle for the lock either)
NOT_VERIFIED = {
    Outcome.UNKNOWN_PAYER,
    Outcome.WRONG_BILL_PASSWORD,
    Outcome.ALREADY_CLAIMED,
    Outcome.LOCKED,
    Outcome.DELAYED,
    Outcome.IP_THROTTLED,
}


@bp.post("/verify")
def verify():
    """Check payer code + bill password for a manager. No side effects beyond the attempt log."""
    body = read_object(request, VERIFY_FIELDS)
    errors = []
    typed = {**body, "payer_code": normalize_payer_code(body["payer_code"])}  # a code of only blanks is empty
    for field in ("manager_id", "payer_code", "bill_password"):
        if not typed.get(field, "").strip():
            errors.append({"field": field, "code": "required"})
    if errors:
        return jsonify(ok=False, errors=errors)

    result = registry().check(
        body["manager_id"].strip(), body["payer_code"], body["bill_password"], body.get("client_ip")
    )
    log.info(
        "payer check manager=%s payer=%s outcome=%s",
        result.manager_id,
        result.payer_code,
        result.outcome.value,
        extra={
            "event": "payer_check",
            "manager_id": result.manager_id,
            "payer_code": result.payer_code,
            "outcome": result.outcome.value,
        },
    )
    PAYER_CHECKS.labels(result.outcome.value).inc()
    # under a guessing attack every answer asks the form for a captcha (the same for everybody: no oracle)
    captcha = {"captcha_required": True} if result.captcha_required else {}
    if result.outcome is Outcome.UNKNOWN_MANAGER:
        return jsonify(ok=False, errors=[{"field": "manager_id", "code": "unknown_manager"}], **captcha)
    if result.outcome in NOT_VERIFIED:
        return jsonify(ok=False, errors=[{"field": "bill_password", "code": "payer_not_verified"}], **captcha)
    ticket = tickets().issue(PayerRef(result.manager_id, result.payer_code))
    return jsonify(
        ok=True,
        ticket=ticket,
        attributes={"managers": [result.manager_id], "payer_accounts": [result.payer_account]},
        **captcha,
    )


@bp.post("/claims")
def claim():
    """Record payer → Keycloak user, once the user exists. Idempotent for the same user."""
    body = read_object(request, CLAIM_FIELDS)
    try:
        payer = tickets().redeem(body["ticket"])
    except InvalidTicket:
        return jsonify(error="invalid_ticket"), 403  # the ticket does not entitle anyone to this claim
    outcome = registry().claim(payer.manager_id, payer.payer_code, body["user_id"])
    log.info(
        "payer claim manager=%s payer=%s user=%s outcome=%s",
        payer.manager_id,
        payer.payer_code,
        body["user_id"],
        outcome.value,
        extra={
            "event": "payer_claim",
            "manager_id": payer.manager_id,
            "payer_code": payer.payer_code,
            "user_id": body["user_id"],
            "outcome": outcome.value,
        },
    )
    PAYER_CLAIMS.labels(outcome.value).inc()
    account = format_account(payer.manager_id, payer.payer_code)
    if outcome is ClaimOutcome.CLAIMED:
        return jsonify(status="claimed", payer_account=account), 201
    if outcome is ClaimOutcome.ALREADY_YOURS:
        return jsonify(status="already_yours", payer_account=account), 200
    if outcome is ClaimOutcome.UNKNOWN_PAYER:
        return jsonify(error="payer_unknown"), 409
    return jsonify(error="payer_already_claimed"), 409
