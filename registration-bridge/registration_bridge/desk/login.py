"""Staff log in to the desk through Keycloak: authorization code flow with PKCE (authlib), and out again.

What a staff member may do comes from the ID token of the desk's client (its mappers put the realm roles and the
groups with their full path in it), read by the same rule as the admin API's tokens (admin_access.AdminPrincipal).
The session (a signed cookie, Secure, HttpOnly, SameSite=Lax) holds who logged in and ends after
DESK_SESSION_HOURS; the OTP is Keycloak's (the realm role otp-required of staff and platform admins).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, redirect, render_template, request, session, url_for

from ..admin_access import AdminPrincipal
from ..audit import Actor
from ..settings import Settings
from . import texts

DESK = "keycloak"


def install(app: Flask, settings: Settings) -> None:
    oauth = OAuth(app)
    issuer = settings.realm_issuer
    internal = f"{settings.keycloak_url.rstrip('/')}/realms/{settings.keycloak_realm}"
    oauth.register(
        DESK,
        client_id=settings.desk_client_id,
        client_secret=settings.desk_client_secret,
        # the browser goes to Keycloak's public address; the desk fetches tokens and keys by its own way there
        authorize_url=f"{issuer}/protocol/openid-connect/auth",
        access_token_url=f"{internal}/protocol/openid-connect/token",
        jwks_uri=f"{internal}/protocol/openid-connect/certs",
        client_kwargs={"scope": "openid", "code_challenge_method": "S256", "timeout": 10},
        server_metadata_url=None,
    )
    client = oauth.create_client(DESK)
    client.server_metadata.update({"issuer": issuer})
    public = settings.desk_public_url.rstrip("/")

    @app.get("/login")
    def login():
        session.pop("staff", None)
        return client.authorize_redirect(f"{public}/callback")

    @app.get("/callback")
    def callback():
        if request.args.get("error"):
            return _refused(texts.t("login_cancelled"))
        try:
            token = client.authorize_access_token(claims_options={"iss": {"values": [issuer]}})
        except OAuthError:
            # a stale or replayed callback (state no longer in this session): start again
            return _refused(texts.t("login_failed"))
        claims: dict[str, Any] = dict(token["userinfo"])
        principal = AdminPrincipal.from_claims(claims)
        session.clear()
        session.permanent = True  # ends after DESK_SESSION_HOURS (the signed cookie's age is checked)
        session["staff"] = {
            "sub": principal.subject,
            "username": principal.username,
            "name": claims.get("name") or principal.username,
            "platform_admin": principal.platform_admin,
            "staff_of": sorted(principal.staff_of),
        }
        session["id_token"] = token["id_token"]
        return redirect(url_for("desk.home"))

    @app.post("/logout")
    def logout():
        id_token = session.get("id_token")
        session.clear()
        params = {"post_logout_redirect_uri": f"{public}/", "client_id": settings.desk_client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return redirect(f"{issuer}/protocol/openid-connect/logout?{urlencode(params)}")


def _refused(text: str):
    return render_template("message.html", title=texts.t("login_title"), text=text, login_link=True), 401


class Staff:
    """Who is logged in, from the session."""

    def __init__(self, data: dict) -> None:
        self.subject: str = data["sub"]
        self.username: str = data["username"]
        self.name: str = data["name"]
        self.platform_admin: bool = bool(data["platform_admin"])
        self.staff_of: frozenset[str] = frozenset(data["staff_of"])

    def may_manage(self, manager_id: str) -> bool:
        return self.platform_admin or manager_id in self.staff_of

    @property
    def actor(self) -> Actor:
        return Actor(self.username, via="desk", subject=self.subject)


def current_staff() -> Staff | None:
    data = session.get("staff")
    return Staff(data) if isinstance(data, dict) else None


def staff_required(view: Callable) -> Callable:
    """Logged in, else to the login (a GET) or a plain 'log in again' page (a form posted after the session ended:
    nothing of it is applied)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        staff = current_staff()
        if staff is None:
            if request.method == "GET":
                return redirect(url_for("login"))
            return _refused(texts.t("session_expired"))
        if not staff.platform_admin and not staff.staff_of:
            abort(403)
        return view(staff, *args, **kwargs)

    return wrapped
