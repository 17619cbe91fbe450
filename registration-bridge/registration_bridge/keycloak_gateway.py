"""The bridge's own calls to Keycloak's admin API (python-keycloak), as the `registration-bridge` service account."""
from __future__ import annotations

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakGetError

from .settings import Settings


class KeycloakGateway:
    def __init__(self, admin: KeycloakAdmin) -> None:
        self._admin = admin

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeycloakGateway":
        connection = KeycloakOpenIDConnection(
            server_url=settings.keycloak_url,
            realm_name=settings.keycloak_realm,
            client_id=settings.keycloak_client_id,
            client_secret_key=settings.keycloak_client_secret,
            verify=True,
            timeout=10,
        )
        return cls(KeycloakAdmin(connection=connection))

    def user_exists(self, user_id: str) -> bool:
        try:
            self._admin.get_user(user_id)
        except KeycloakGetError as exc:
            if exc.response_code == 404:
                return False
            raise
        return True
