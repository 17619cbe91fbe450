"""Keycloak-like access tokens for the admin API's unit tests: a local RSA key, its JWKS, tokens signed with it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

from joserfc import jwt
from joserfc.jwk import RSAKey

KEYCLOAK_INTERNAL = "http://keycloak.internal:8080"  # how the bridge reaches Keycloak (KEYCLOAK_URL)
KEYCLOAK_PUBLIC = "https://login.esoseska.test"  # how browsers and scripts reach it (KEYCLOAK_PUBLIC_URL)
REALM = "esoseska"
ISSUER = f"{KEYCLOAK_PUBLIC}/realms/{REALM}"
JWKS_URL = f"{KEYCLOAK_INTERNAL}/realms/{REALM}/protocol/openid-connect/certs"
AUDIENCE = "payer-admin-api"


class SigningKey:
    """An RSA key pair as a Keycloak realm has one, with its key id."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.key = RSAKey.generate_key(2048, parameters={"kid": self.kid, "use": "sig", "alg": "RS256"})

    def public_jwk(self) -> dict:
        return self.key.as_dict(private=False)

    def sign(self, claims: dict, header: dict | None = None) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.kid, "typ": "JWT", **(header or {})}, claims, self.key)


def jwks(*keys: SigningKey, with_encryption_key: bool = True) -> dict:
    """The realm's JWKS as Keycloak publishes it (a signing key, and an encryption key to be ignored)."""
    published = [k.public_jwk() for k in keys]
    if with_encryption_key:
        enc = RSAKey.generate_key(2048, parameters={"use": "enc", "alg": "RSA-OAEP"}).as_dict(private=False)
        published.append(enc)
    return {"keys": published}


def access_claims(
    *,
    groups: list[str] | None = None,
    roles: list[str] | None = None,
    username: str = "staff.user",
    lifetime: int = 300,
    **overrides,
) -> dict:
    """The claims of an access token that Keycloak issues to payer-admin-cli (with the admin API's scope)."""
    now = int(time.time())
    claims = {
        "exp": now + lifetime,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "iss": ISSUER,
        "aud": [AUDIENCE, "account"],
        "sub": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": "payer-admin-cli",
        "preferred_username": username,
        "realm_access": {"roles": ["default-roles-esoseska", *(roles or [])]},
        "groups": groups or [],
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(obj: dict) -> str:
    return _b64(json.dumps(obj).encode())


def unsigned_token(claims: dict, kid: str) -> str:
    """alg `none`: no signature at all."""
    return f"{_part({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{_part(claims)}."


def hs256_token(claims: dict, kid: str, secret: bytes) -> str:
    """alg HS256 with the realm's *public* key as the HMAC secret: the classic algorithm confusion."""
    signing_input = f"{_part({'alg': 'HS256', 'kid': kid, 'typ': 'JWT'})}.{_part(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
