"""The manager's desk: the web pages where a manager's office runs its payer registry.

Staff log in through Keycloak (client `manager-desk`: code flow with PKCE, an OTP for holders of the realm role
otp-required); platform admins see every manager, a manager's staff only their own (the group
/manager-staff/<manager id>, as for the admin API: admin_access.py). It runs as its own gunicorn (BRIDGE_ROLE=desk),
never in the workers that answer Keycloak's callbacks. docs/desk.md is the manual.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, render_template
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .. import logs, schema, transactions
from ..bill_passwords import BillPasswordHasher
from ..db import make_engine, make_session_factory
from ..settings import Settings
from . import csrf, login, texts, views
from .residents import ResidentAccounts

__all__ = ["create_desk_app"]

SESSION_COOKIE = "__Host-esoseska-desk"  # __Host-: Secure, path /, no Domain (no other host of the site gets it)


def create_desk_app(settings: Settings | None = None, accounts: ResidentAccounts | None = None) -> Flask:
    """The desk's app. `accounts` (residents' Keycloak accounts) is made from the settings when not given."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.desk_session_key,
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Keycloak's redirect back to /callback is a top-level navigation
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.desk_session_hours),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
    )
    app.extensions["bridge.settings"] = settings
    engine = make_engine(settings.database_url)
    schema.upgrade(engine)
    app.extensions["bridge.engine"] = engine
    app.extensions["bridge.sessions"] = make_session_factory(engine)
    app.extensions["bridge.hasher"] = BillPasswordHasher(settings.bill_password_key)
    app.extensions["desk.accounts"] = accounts or ResidentAccounts.from_settings(settings)

    texts.install(app)
    login.install(app, settings)
    csrf.install(app)
    app.register_blueprint(views.bp)

    @app.get("/healthz")
    def healthz():
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError:
            return {"status": "database unavailable"}, 503
        return {"status": "ok"}

    @app.errorhandler(413)
    def too_large(_exc):
        limit = settings.max_upload_bytes // (1024 * 1024)
        return render_template(
            "message.html", title=texts.t("too_large_title"), text=texts.t("too_large", mb=limit)
        ), 413

    @app.errorhandler(403)
    def forbidden(_exc):
        return render_template("message.html", title=texts.t("forbidden_title"), text=texts.t("forbidden")), 403

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("message.html", title=texts.t("not_found_title"), text=texts.t("not_found")), 404

    @app.errorhandler(500)
    def server_error(_exc):
        logging.getLogger("registration_bridge").error("desk request failed")
        return render_template("message.html", title=texts.t("error_title"), text=texts.t("error")), 500

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self' "
            + settings.realm_issuer.split("/realms/")[0]
            + "; frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")  # staff pages hold residents' data
        return response

    logs.install_correlation(app)
    transactions.install(app)
    return app
