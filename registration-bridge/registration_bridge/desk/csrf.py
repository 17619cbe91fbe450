"""Every form of the desk carries a token of the staff member's session; a POST without it (or from another
origin) changes nothing and gets a plain page asking to try again."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request, session

from . import texts

FIELD = "csrf_token"


def token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def install(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = token

    @app.before_request
    def check_forms():
        if request.method != "POST":
            return None
        if _foreign_origin() or not hmac.compare_digest(str(session.get("csrf", "")), request.form.get(FIELD, "")):
            return render_template("message.html", title=texts.t("csrf_title"), text=texts.t("csrf")), 403
        return None


def _foreign_origin() -> bool:
    """An Origin (or, without one, a Referer) of another site than the desk's public address."""
    public = urlsplit(current_app.extensions["bridge.settings"].desk_public_url)
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent or sent == "null":
        return False  # the token decides
    origin = urlsplit(sent)
    return (origin.scheme, origin.netloc) != (public.scheme, public.netloc)
