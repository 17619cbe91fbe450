"""The desk's pages: overview, payer list upload (preview, then apply), find a payer (unlock, release, new letter),
residents (search, CSV export) and the change log. Every page of a manager checks the staff member's rights first:
staff of another manager get 403 by page, by form post and by guessed address alike."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from .. import admin_actions, bill_letters, import_preview, payer_search, registry_overview
from ..audit import AuditLog
from ..context import db_session, settings
from ..csv_import import CsvImportError
from ..guessing import GuessingGuard
from ..models import Manager
from ..spreadsheet import spreadsheet_safe
from . import texts
from .login import Staff, staff_required
from .residents import AccountsUnavailable, ResidentAccounts

bp = Blueprint("desk", __name__)
log = logging.getLogger("registration_bridge.desk")

RESIDENTS_PER_PAGE = 25
MAX_QUERY = 100


def _accounts() -> ResidentAccounts:
    return current_app.extensions["desk.accounts"]


def _manager(staff: Staff, manager_id: str) -> Manager:
    """The manager the page is about, when this staff member may see it (403 otherwise, whether it exists or not:
    a guessed id tells nothing)."""
    if not staff.may_manage(manager_id):
        abort(403)
    manager = db_session().get(Manager, manager_id)
    if manager is None:
        abort(404)
    return manager


def _session() -> Session:
    return db_session()


@bp.get("/")
@staff_required
def home(staff: Staff):
    managers = [m for m in _session().query(Manager).order_by(Manager.name) if staff.may_manage(m.id)]
    if len(managers) == 1:
        return redirect(url_for("desk.overview", manager_id=managers[0].id))
    return render_template("home.html", staff=staff, managers=managers)


@bp.get("/m/<manager_id>/")
@staff_required
def overview(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    figures = registry_overview.overview(_session(), settings(), manager_id)
    return render_template("overview.html", staff=staff, manager=manager, figures=figures, active="overview")


# --- payer list -------------------------------------------------------------------------------------------------
@bp.get("/m/<manager_id>/upload")
@staff_required
def upload_form(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    return render_template("upload.html", staff=staff, manager=manager, active="upload")


@bp.post("/m/<manager_id>/upload")
@staff_required
def upload(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    file = request.files.get("file")
    complete = request.form.get("complete_list") == "1"
    if file is None or not file.filename:
        return render_template(
            "upload.html", staff=staff, manager=manager, active="upload", field_error=texts.t("no_file")
        ), 400
    try:
        preview = import_preview.stage_import(
            _session(), current_app.extensions["bridge.hasher"], manager_id, file.stream, staff.actor
        )
    except CsvImportError as exc:
        return render_template(
            "upload.html", staff=staff, manager=manager, active="upload", problems=exc.errors, filename=file.filename
        ), 400
    finally:
        file.close()
    return redirect(
        url_for("desk.preview", manager_id=manager_id, upload_id=preview.upload_id, complete="1" if complete else None)
    )


@bp.get("/m/<manager_id>/upload/<upload_id>")
@staff_required
def preview(staff: Staff, manager_id: str, upload_id: str):
    manager = _manager(staff, manager_id)
    session = _session()
    found = import_preview.preview_of(session, manager_id, upload_id)
    if found is None:
        flash(texts.t("upload_gone"), "error")
        return redirect(url_for("desk.upload_form", manager_id=manager_id))
    complete = request.args.get("complete") == "1"
    retired = import_preview.retirements(session, manager_id, upload_id) if complete else []
    labels = {}
    if retired:
        labels = _labels([r.user_id for r in retired])
    return render_template(
        "preview.html",
        staff=staff,
        manager=manager,
        active="upload",
        preview=found,
        complete=complete,
        retired=retired,
        labels=labels,
    )


@bp.post("/m/<manager_id>/upload/<upload_id>/apply")
@staff_required
def apply(staff: Staff, manager_id: str, upload_id: str):
    _manager(staff, manager_id)
    session = _session()
    if not import_preview.pending(session, manager_id, upload_id):
        flash(texts.t("upload_gone"), "error")  # applied already (a form posted twice) or expired: nothing changes
        return redirect(url_for("desk.upload_form", manager_id=manager_id))
    complete = request.form.get("complete_list") == "1"
    retiring = import_preview.retirements(session, manager_id, upload_id) if complete else []
    if retiring:
        # Keycloak first: the former owner must lose the payer account even if the import then fails (the claim of
        # an account without it is released by Keycloak's claim sync); a silent Keycloak stops here, nothing changed
        try:
            for retired in retiring:
                _accounts().remove_payer_account(retired.user_id, manager_id, retired.payer_code)
        except AccountsUnavailable:
            flash(texts.t("keycloak_down"), "error")
            return redirect(url_for("desk.preview", manager_id=manager_id, upload_id=upload_id, complete="1"))
    applied = import_preview.apply_import(
        session, manager_id, upload_id, staff.actor, complete_list=complete, ended_claims=retiring
    )
    if applied is None:  # applied by another click or tab meanwhile
        flash(texts.t("upload_gone"), "error")
        return redirect(url_for("desk.upload_form", manager_id=manager_id))
    log.info(
        "desk import for %s by %s: %d rows, %d retired", manager_id, staff.username, applied.rows, len(applied.retired)
    )
    flash(
        texts.t(
            "applied",
            rows=applied.rows,
            new=applied.inserted,
            changed=applied.updated,
            unchanged=applied.unchanged,
            retired=len(applied.retired),
        ),
        "success",
    )
    return redirect(url_for("desk.overview", manager_id=manager_id))


# --- payers -----------------------------------------------------------------------------------------------------
@bp.get("/m/<manager_id>/payers")
@staff_required
def payers(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    results = payer_search.search_payers(_session(), settings(), manager_id, query) if query else None
    return render_template("payers.html", staff=staff, manager=manager, active="payers", query=query, results=results)


def _payer(manager_id: str, code: str):
    found = payer_search.payer_detail(_session(), settings(), manager_id, code)
    if found is None:
        abort(404)
    return found


def _labels(user_ids) -> dict[str, str]:
    labels = {}
    for user_id in dict.fromkeys(user_ids):
        try:
            labels[user_id] = _accounts().user_label(user_id) or user_id
        except AccountsUnavailable:
            labels[user_id] = user_id
    return labels


@bp.get("/m/<manager_id>/payers/<code>")
@staff_required
def payer(staff: Staff, manager_id: str, code: str):
    manager = _manager(staff, manager_id)
    status, attempts = _payer(manager_id, code)
    labels = _labels([status.claimed_by]) if status.claimed_by else {}
    return render_template(
        "payer.html", staff=staff, manager=manager, active="payers", payer=status, attempts=attempts, labels=labels
    )


@bp.get("/m/<manager_id>/payers/<code>/<action>")
@staff_required
def confirm(staff: Staff, manager_id: str, code: str, action: str):
    manager = _manager(staff, manager_id)
    if action not in ("unlock", "release", "letter"):
        abort(404)
    status, _attempts = _payer(manager_id, code)
    who = _labels([status.claimed_by]).get(status.claimed_by, "") if status.claimed_by else ""
    return render_template(
        "confirm.html", staff=staff, manager=manager, active="payers", payer=status, action=action, who=who
    )


@bp.post("/m/<manager_id>/payers/<code>/unlock")
@staff_required
def unlock(staff: Staff, manager_id: str, code: str):
    _manager(staff, manager_id)
    status, _ = _payer(manager_id, code)
    session = _session()
    admin_actions.unlock_payer(session, GuessingGuard(session, settings()), manager_id, status.payer_code, staff.actor)
    flash(texts.t("unlocked", code=status.payer_code), "success")
    return redirect(url_for("desk.payer", manager_id=manager_id, code=status.payer_code))


@bp.post("/m/<manager_id>/payers/<code>/release")
@staff_required
def release(staff: Staff, manager_id: str, code: str):
    _manager(staff, manager_id)
    status, _ = _payer(manager_id, code)
    if status.claimed_by is None:
        flash(texts.t("not_claimed", code=status.payer_code), "error")
        return redirect(url_for("desk.payer", manager_id=manager_id, code=status.payer_code))
    try:  # Keycloak first: the next token lacks the payer account even if the bridge's write then fails
        _accounts().remove_payer_account(status.claimed_by, manager_id, status.payer_code)
    except AccountsUnavailable:
        flash(texts.t("keycloak_down"), "error")
        return redirect(url_for("desk.payer", manager_id=manager_id, code=status.payer_code))
    admin_actions.release_payer_claim(_session(), manager_id, status.payer_code, status.claimed_by, staff.actor)
    flash(texts.t("released", code=status.payer_code), "success")
    return redirect(url_for("desk.payer", manager_id=manager_id, code=status.payer_code))


@bp.post("/m/<manager_id>/payers/<code>/letter")
@staff_required
def letter(staff: Staff, manager_id: str, code: str):
    manager = _manager(staff, manager_id)
    status, _ = _payer(manager_id, code)
    password = bill_letters.issue_new_bill_password(
        _session(), current_app.extensions["bridge.hasher"], manager_id, status.payer_code, staff.actor
    )
    if password is None:
        abort(404)
    page = render_template(
        "letter.html",
        staff=staff,
        manager=manager,
        payer=status,
        password=password,
        registration_url=f"{settings().realm_issuer}/account",
    )
    response = Response(page)
    response.headers["Cache-Control"] = "no-store"  # the password is shown once: never from a cache or history
    return response


# --- residents --------------------------------------------------------------------------------------------------
@bp.get("/m/<manager_id>/residents")
@staff_required
def residents(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    page = request.args.get("page", "1")
    number = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100000 else 1
    try:
        found = _accounts().page(manager_id, query, (number - 1) * RESIDENTS_PER_PAGE, RESIDENTS_PER_PAGE + 1)
    except AccountsUnavailable:
        flash(texts.t("keycloak_down"), "error")
        found = []
    return render_template(
        "residents.html",
        staff=staff,
        manager=manager,
        active="residents",
        query=query,
        residents=found[:RESIDENTS_PER_PAGE],
        page=number,
        more=len(found) > RESIDENTS_PER_PAGE,
    )


CSV_COLUMNS = ("ime", "priimek", "e_naslov", "placniki", "registriran")


@bp.get("/m/<manager_id>/residents.csv")
@staff_required
def residents_csv(staff: Staff, manager_id: str):
    _manager(staff, manager_id)
    accounts = _accounts()
    try:
        accounts.page(manager_id, "", 0, 1)  # Keycloak down: a message, not half a file
    except AccountsUnavailable:
        flash(texts.t("keycloak_down"), "error")
        return redirect(url_for("desk.residents", manager_id=manager_id))

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        out = csv.writer(buffer, delimiter=";")
        buffer.write("\ufeff")  # spreadsheet programs read UTF-8 only with the BOM
        out.writerow(CSV_COLUMNS)
        for resident in accounts.all(manager_id):
            out.writerow(
                [
                    spreadsheet_safe(resident.first_name),
                    spreadsheet_safe(resident.last_name),
                    spreadsheet_safe(resident.email),
                    spreadsheet_safe(" ".join(resident.payer_accounts)),
                    resident.registered_at.date().isoformat() if resident.registered_at else "",
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        rows(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="prebivalci-{manager_id}.csv"'},
    )


# --- audit ------------------------------------------------------------------------------------------------------
@bp.get("/m/<manager_id>/audit")
@staff_required
def audit(staff: Staff, manager_id: str):
    manager = _manager(staff, manager_id)
    entries = AuditLog(_session()).entries(manager_id, limit=200)
    return render_template("audit.html", staff=staff, manager=manager, active="audit", entries=entries)
