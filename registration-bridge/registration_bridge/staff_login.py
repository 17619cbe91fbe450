"""Staff tokens for the admin API by the OAuth 2.0 device authorization grant (RFC 8628) of client payer-admin-cli.

The script asks Keycloak for a device code, the staff member opens the verification address in a browser, logs in
there (with OTP where the realm asks for it) and grants; the script polls the token endpoint meanwhile. The
password is typed into Keycloak's page only, never into the script.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

STAFF_CLIENT_ID = "payer-admin-cli"


class DeviceLoginError(RuntimeError):
    """The login was refused, expired or Keycloak could not be asked."""


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class StaffLogin:
    keycloak_url: str
    realm: str
    client_id: str = STAFF_CLIENT_ID
    client_secret: str | None = None
    timeout: float = 10

    @property
    def oidc(self) -> str:
        return f"{self.keycloak_url.rstrip('/')}/realms/{self.realm}/protocol/openid-connect"

    def _client(self) -> dict[str, str]:
        return {"client_id": self.client_id, **({"client_secret": self.client_secret} if self.client_secret else {})}

    def start(self) -> DeviceAuthorization:
        try:
            response = requests.post(
                f"{self.oidc}/auth/device", data={**self._client(), "scope": "openid"}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise DeviceLoginError(f"Keycloak at {self.keycloak_url} did not answer: {exc}") from exc
        if response.status_code != 200:
            raise DeviceLoginError(f"Keycloak refused the device login ({response.status_code}): {_error(response)}")
        body = response.json()
        return DeviceAuthorization(
            body["device_code"],
            body["user_code"],
            body["verification_uri"],
            body.get("verification_uri_complete", body["verification_uri"]),
            int(body.get("expires_in", 600)),
            int(body.get("interval", 5)),
        )

    def wait_for_token(
        self,
        authorization: DeviceAuthorization,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> dict:
        """Polls the token endpoint until the staff member has granted (the token response) or it ends."""
        interval = authorization.interval
        deadline = clock() + authorization.expires_in
        while clock() < deadline:
            sleep(interval)
            try:
                response = requests.post(
                    f"{self.oidc}/token",
                    timeout=self.timeout,
                    data={
                        **self._client(),
                        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                        "device_code": authorization.device_code,
                    },
                )
            except requests.RequestException as exc:
                raise DeviceLoginError(f"Keycloak at {self.keycloak_url} did not answer: {exc}") from exc
            if response.status_code == 200:
                return response.json()
            error = _error(response)
            if error == "authorization_pending":
                continue
            if error == "slow_down":
                interval += 5
                continue
            raise DeviceLoginError(f"the login ended: {error}")
        raise DeviceLoginError("the login was not completed in time")


def _error(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", response.text[:200]))
    except ValueError:
        return response.text[:200]
