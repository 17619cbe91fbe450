"""A manager's portal, as small as it can be: sign in with eSoseska over OIDC (authorization code + PKCE), show
who the resident is and which managers and payer accounts they are linked to, add a manager, sign out.

Copy it: the parts that matter are the `oauth.register(...)` call and the four routes.
"""

from __future__ import annotations

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, render_template, request, session, url_for

DEV_SECRET_KEY = "dev-only-portal-session-key"


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("PORTAL_SECRET_KEY", DEV_SECRET_KEY),
        KEYCLOAK_URL=os.environ.get("PORTAL_KEYCLOAK_URL", "http://localhost:8080"),
        REALM=os.environ.get("PORTAL_REALM", "esoseska"),
        CLIENT_ID=os.environ.get("PORTAL_CLIENT_ID", "portal-demo"),
        CLIENT_SECRET=os.environ.get("PORTAL_CLIENT_SECRET", "dev-only-portal-demo-secret"),
        # this portal belongs to one manager: registration starts with it pre-set (empty: the resident picks)
        MANAGER_HINT=os.environ.get("PORTAL_MANAGER_HINT", ""),
    )
    if config:
        app.config.update(config)

    oauth = OAuth(app)
    issuer = f"{app.config['KEYCLOAK_URL']}/realms/{app.config['REALM']}"
    oauth.register(
        "esoseska",
        client_id=app.config["CLIENT_ID"],
        client_secret=app.config["CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    def start(**extra: str):
        return oauth.esoseska.authorize_redirect(url_for("callback", _external=True), **extra)

    @app.get("/")
    def index():
        return render_template("index.html", user=session.get("user"), status=request.args.get("status"))

    @app.get("/login")
    def login():
        return start()

    @app.get("/register")
    def register():
        extra = {"prompt": "create"}
        if app.config["MANAGER_HINT"]:
            extra["manager_hint"] = app.config["MANAGER_HINT"]
        return start(**extra)

    @app.get("/add-manager")
    def add_manager():
        # application-initiated action: Keycloak shows "Dodaj upravnika", then comes back here
        return start(kc_action="link-manager")

    @app.get("/callback")
    def callback():
        status = request.args.get("kc_action_status")
        token = oauth.esoseska.authorize_access_token()
        session["user"] = dict(token["userinfo"])
        session["id_token"] = token["id_token"]
        return redirect(url_for("index", status=status) if status else url_for("index"))

    @app.get("/logout")
    def logout():
        id_token = session.pop("id_token", None)
        session.clear()
        metadata = oauth.esoseska.load_server_metadata()
        params = {"post_logout_redirect_uri": url_for("index", _external=True), "client_id": app.config["CLIENT_ID"]}
        if id_token:
            params["id_token_hint"] = id_token
        query = "&".join(f"{k}={_quote(v)}" for k, v in params.items())
        return redirect(f"{metadata['end_session_endpoint']}?{query}")

    return app


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
