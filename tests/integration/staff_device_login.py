"""A staff member's device login (client payer-admin-cli), played end to end: the script's side is the bridge's
`StaffLogin` (what `registration-bridge staff-login` runs), the person's side opens verification_uri_complete in a
'browser' (plain HTTP, like keycloak_pages), logs in, configures or enters an OTP when asked, and grants."""

from __future__ import annotations

import hashlib
import hmac
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

from registration_bridge.staff_login import DeviceAuthorization, StaffLogin

from .keycloak_pages import Page, _LocalhostSession

STAFF_CLIENT = "payer-admin-cli"


def totp(secret: str, at: float | None = None, digits: int = 6, period: int = 30) -> str:
    """RFC 6238 with Keycloak's key: the raw bytes of the secret string of its OTP setup page (HmacSHA1)."""
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(secret.encode(), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


@dataclass
class Person:
    """The staff member at the browser, and what the pages asked of them."""

    username: str
    password: str
    otp_secret: str | None = None
    otp_offset: float = 0  # seconds added to the clock of their phone's authenticator
    seen: list[str] = field(default_factory=list)  # ids of the forms shown, in order

    def approve(self, authorization: DeviceAuthorization) -> Page:
        session = _LocalhostSession()
        page = _get(session, authorization.verification_uri_complete)
        for _ in range(10):
            forms = {form.get("id") or "": form for form in page.soup.find_all("form")}
            if "kc-user-verify-device-user-code-form" in forms:
                page = self._post(
                    session,
                    page,
                    forms["kc-user-verify-device-user-code-form"],
                    {"device_user_code": authorization.user_code},
                    "verify",
                )
            elif "kc-form-login" in forms:
                page = self._post(
                    session,
                    page,
                    forms["kc-form-login"],
                    {"username": self.username, "password": self.password},
                    "login",
                )
            elif "kc-totp-settings-form" in forms:
                self.otp_secret = page.soup.find("input", attrs={"name": "totpSecret"})["value"]
                page = self._post(
                    session,
                    page,
                    forms["kc-totp-settings-form"],
                    {"totp": totp(self.otp_secret), "userLabel": "staff phone"},
                    "configure-otp",
                )
            elif "kc-otp-login-form" in forms:
                assert self.otp_secret, "asked for an OTP that was never configured"
                page = self._post(
                    session,
                    page,
                    forms["kc-otp-login-form"],
                    {"otp": totp(self.otp_secret, time.time() + self.otp_offset)},
                    "otp",
                )
            elif page.soup.find(attrs={"name": "accept"}):
                form = page.soup.find(attrs={"name": "accept"}).find_parent("form")
                page = self._post(session, page, form, {"accept": "Yes"}, "grant")
            else:
                return page
        raise AssertionError(f"the device login did not end: {self.seen}")

    def _post(self, session, page: Page, form, values: dict, step: str) -> Page:
        self.seen.append(step)
        data = {el["name"]: el.get("value", "") for el in form.find_all("input", type="hidden") if el.get("name")}
        data.update(values)
        response = session.post(urljoin(page.response.url, form["action"]), data=data, allow_redirects=False)
        return _follow(session, response)


def _get(session, url: str) -> Page:
    return _follow(session, session.get(url, allow_redirects=False))


def _follow(session, response) -> Page:
    """Redirects one by one, through the session (which sends Keycloak's Secure cookies back on http://localhost)."""
    while response.is_redirect:
        response = session.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False)
    return Page(response)


def device_login(keycloak_url: str, realm: str, client_secret: str, person: Person) -> tuple[dict, Page]:
    """The token response the script gets, and the last page the person saw."""
    login = StaffLogin(keycloak_url, realm, client_secret=client_secret)
    authorization = login.start()
    result: dict = {}

    def script() -> None:
        try:
            result["token"] = login.wait_for_token(authorization)  # at Keycloak's interval, else slow_down
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            result["error"] = exc

    poller = threading.Thread(target=script)
    poller.start()
    last_page = person.approve(authorization)
    poller.join(timeout=120)
    if "error" in result:
        raise result["error"]
    return result["token"], last_page
