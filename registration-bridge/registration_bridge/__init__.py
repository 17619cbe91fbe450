"""The registration bridge: Keycloak asks it whether a payer is real, and it records who claimed which payer."""

from __future__ import annotations

import json
import logging

from flask import Flask
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from . import logs, metrics, schema, transactions
from .bill_passwords import BillPasswordHasher
from .db import make_engine, make_session_factory
from .settings import Settings
from .tickets import TicketIssuer

__all__ = ["create_app"]


# the routes of each process (Settings.role): the callbacks never share a worker with an upload or a slow admin
# client; "all" is for tests that use both through one app
ROUTES = {
    "callbacks": ("health", "managers", "manager_sync", "registrations", "inquiries", "claims", "openapi"),
    "admin": ("health", "payer_admin", "openapi"),
}
ROUTES["all"] = tuple(dict.fromkeys(ROUTES["callbacks"] + ROUTES["admin"]))


def create_app(settings: Settings | None = None, role: str | None = None) -> Flask:
    """The app of one process of the bridge: `role` (default: the setting BRIDGE_ROLE) picks its routes."""
    settings = settings or Settings.from_env()
    role = role or settings.role
    if role not in ROUTES:
        raise ValueError(f"unknown role {role!r}")
    # under gunicorn nothing is configured: without this the attempt lines (and the migration warnings of the
    # start) would be dropped
    logs.configure(settings.log_format)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.extensions["bridge.settings"] = settings

    engine = make_engine(settings.database_url)
    try:
        schema.upgrade(engine)
    except OperationalError as exc:
        # start anyway: /healthz says 503 and callbacks answer 503 until the database is back
        logging.getLogger("registration_bridge").error("database unreachable at start: %s", exc.__class__.__name__)
    sessions = make_session_factory(engine)
    app.extensions["bridge.engine"] = engine
    app.extensions["bridge.sessions"] = sessions
    app.extensions["bridge.hasher"] = BillPasswordHasher(settings.bill_password_key)
    # Tickets are signed with a key Keycloak never sees, so only the bridge can mint them.
    app.extensions["bridge.tickets"] = TicketIssuer(settings.bill_password_key, settings.ticket_ttl_seconds)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        logging.getLogger("registration_bridge").error("database unavailable: %s", exc.__class__.__name__)
        return {"error": "database_unavailable"}, 503

    @app.errorhandler(HTTPException)
    def http_error_as_json(exc: HTTPException):
        response = exc.get_response()  # keeps its headers, e.g. Allow of a 405
        response.set_data(
            json.dumps({"error": (exc.name or "error").lower().replace(" ", "_"), "description": exc.description})
        )
        response.content_type = "application/json"
        return response

    from .api import claims, health, inquiries, manager_sync, managers, openapi, payer_admin, registrations

    blueprints = {
        "health": health.bp,
        "managers": managers.bp,
        "manager_sync": manager_sync.bp,
        "registrations": registrations.bp,
        "inquiries": inquiries.bp,
        "claims": claims.bp,
        "openapi": openapi.bp,
        "payer_admin": payer_admin.bp,
    }
    for name in ROUTES[role]:
        app.register_blueprint(blueprints[name])

    logs.install_correlation(app)
    metrics.install(app)
    transactions.install(app)  # last: its answer (a failed commit's) is the one the hooks above see
    return app
