"""Keycloak's pages driven over plain HTTP, as a browser submits them: open, fill by field name, post, read errors."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlparse

import bs4
import requests

from ..altcha_solver import solve

# the field the "Nisem robot" widget posts its payload in (CaptchaProvider.FIELD)
CAPTCHA_FIELD = "altcha"


@dataclass
class Page:
    response: requests.Response

    @property
    def soup(self) -> bs4.BeautifulSoup:
        return bs4.BeautifulSoup(self.response.text, "html.parser")

    @property
    def text(self) -> str:
        return " ".join(self.soup.get_text(" ").split())

    def form(self, form_id: str) -> bs4.Tag:
        form = self.soup.find("form", id=form_id)
        if form is None:
            raise AssertionError(f"no form #{form_id} on {self.response.url}:\n{self.text[:2000]}")
        return form

    def field_value(self, name: str) -> str | None:
        element = self.soup.find(attrs={"name": name})
        if element is None:
            return None
        if element.name == "select":
            selected = element.find("option", selected=True)
            return selected.get("value") if selected else None
        return element.get("value")

    def field_error(self, name: str) -> str | None:
        """The error shown at a field (keycloak.v2 renders it as #input-error-<name>)."""
        element = self.soup.find(id=f"input-error-{name}")
        return " ".join(element.get_text(" ").split()) if element else None

    def field_errors(self) -> dict[str, str]:
        errors = {}
        for element in self.soup.select('[id^="input-error-"]'):
            errors[element["id"].removeprefix("input-error-")] = " ".join(element.get_text(" ").split())
        return errors

    def captcha_challenge(self, form_id: str | None = None) -> dict | None:
        """The signed challenge of the page's "Nisem robot" widget (in a form, or anywhere on the page)."""
        scope = self.form(form_id) if form_id else self.soup
        widget = scope.find("altcha-widget")
        return json.loads(widget["challenge"]) if widget is not None and widget.get("challenge") else None

    def alert(self) -> str | None:
        """The page-level message (an alert box), if any."""
        element = self.soup.select_one(".pf-v5-c-alert, .alert-error, #kc-error-message")
        return " ".join(element.get_text(" ").split()) if element else None


def solved_captcha(page: Page, form_id: str) -> dict[str, str]:
    """The form field the "Nisem robot" widget would post for this page (none where the form has no widget)."""
    challenge = page.captcha_challenge(form_id)
    return {CAPTCHA_FIELD: solve(challenge)} if challenge is not None else {}


class _LocalhostSession(requests.Session):
    """Sends Keycloak's cookies back as a browser does on http://localhost: Keycloak marks them Secure, which
    browsers honour on localhost but Python's cookie jar does not."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        for cookie in self.cookies:
            cookie.secure = False
        return super().prepare_request(request)


class Browserless:
    """One resident's 'browser': a cookie jar and the OIDC client it came through."""

    def __init__(
        self, keycloak_url: str, realm: str, client_id: str, redirect_uri: str, client_secret: str | None = None
    ) -> None:
        self.keycloak_url = keycloak_url
        self.realm = realm
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.session = _LocalhostSession()
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)

    @property
    def oidc(self) -> str:
        return f"{self.keycloak_url}/realms/{self.realm}/protocol/openid-connect"

    def _auth_params(self, **extra: str) -> dict[str, str]:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        return {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "state": self.state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        }

    def open_registration(self, **extra: str) -> Page:
        response = self.session.get(f"{self.oidc}/registrations", params=self._auth_params(**extra))
        response.raise_for_status()
        return Page(response)

    def open_login(self, **extra: str) -> Page:
        response = self.session.get(f"{self.oidc}/auth", params=self._auth_params(**extra))
        response.raise_for_status()
        return Page(response)

    def submit(self, page: Page, form_id: str, values: dict[str, str | None]) -> Page:
        """Post a form like a browser: its hidden fields plus the given values (None leaves a field out). A form
        with the "Nisem robot" widget gets its solution, as the widget would post it, unless the values name
        the field (altcha=None posts none, a string posts that)."""
        form = page.form(form_id)
        data = {el["name"]: el.get("value", "") for el in form.find_all("input", type="hidden") if el.get("name")}
        challenge = page.captcha_challenge(form_id)
        if challenge is not None and CAPTCHA_FIELD not in values:
            data[CAPTCHA_FIELD] = solve(challenge)
        data.update({k: v for k, v in values.items() if v is not None})
        action = urljoin(page.response.url, form["action"])
        response = self.session.post(action, data=data, allow_redirects=False)
        while response.is_redirect and not response.headers["Location"].startswith(self.redirect_uri):
            response = self.session.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
        return Page(response)

    def follow(self, url: str) -> Page:
        response = self.session.get(url, allow_redirects=False)
        while response.is_redirect and not response.headers["Location"].startswith(self.redirect_uri):
            response = self.session.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
        return Page(response)

    def code_from(self, page: Page) -> str:
        response = page.response
        assert response.is_redirect, (
            f"expected a redirect back to the app, got {response.status_code}: {Page(response).text[:1500]}"
        )
        location = response.headers["Location"]
        assert location.startswith(self.redirect_uri), location
        query = parse_qs(urlparse(location).query)
        assert query.get("state") == [self.state]
        return query["code"][0]

    def exchange(self, code: str) -> dict:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": self.verifier,
        }
        if self.client_secret:
            data["client_secret"] = self.client_secret
        response = requests.post(f"{self.oidc}/token", data=data, timeout=10)
        response.raise_for_status()
        return response.json()

    def userinfo(self, access_token: str) -> dict:
        response = requests.get(
            f"{self.oidc}/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def log_in(self, email: str, password: str) -> dict:
        """Log in through the login form and return the token response."""
        page = self.open_login()
        result = self.submit(page, "kc-form-login", {"username": email, "password": password})
        return self.exchange(self.code_from(result))


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
