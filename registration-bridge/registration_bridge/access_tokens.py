"""Checks a Keycloak access token (a signed JWT) and returns its claims, or says why it is refused.

Accepted: compact JWS signed with an asymmetric algorithm by a key the realm publishes (RS/PS/ES), issued by
the realm (its public URL), for our audience, an access token (`typ` Bearer), within exp/nbf with a small
leeway. Everything else (alg `none`, HMAC algorithms, which would let the public key act as a shared secret,
unknown key ids, other issuers or audiences, expired tokens) raises InvalidToken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import Key

from .token_errors import InvalidToken

__all__ = ["ALLOWED_ALGORITHMS", "AccessTokenVerifier", "InvalidToken"]

# asymmetric only: never `none`, never HS* (whose "secret" would be the public key anyone can fetch)
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
MAX_TOKEN_LENGTH = 16 * 1024


class AccessTokenVerifier:
    def __init__(
        self,
        key_for: Callable[[str], Key | None],
        issuer: str,
        audience: str,
        leeway: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key_for = key_for  # may raise KeysUnavailable: the caller fails closed
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._clock = clock

    def verify(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise InvalidToken("not a signed JWT")
        header = self._header(token)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken("signature algorithm not accepted")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("no key id")
        key = self._key_for(kid)
        if key is None:
            raise InvalidToken("unknown key id")
        if key.get("alg") not in (None, alg):
            raise InvalidToken("algorithm does not match the key")
        try:
            claims = jwt.decode(token, key, algorithms=[alg]).claims
            jwt.JWTClaimsRegistry(
                now=lambda: int(self._clock()),
                leeway=self._leeway,
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._audience},
                exp={"essential": True},
                sub={"essential": True},
                typ={"essential": True, "value": "Bearer"},
            ).validate(claims)
        except JoseError as exc:
            raise InvalidToken(_reason(exc)) from exc
        return claims

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        try:
            return dict(jws.extract_compact(token.encode("ascii")).headers())
        except (JoseError, ValueError, TypeError, UnicodeError) as exc:
            raise InvalidToken("malformed token") from exc


def _reason(exc: JoseError) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "token expired"
    if isinstance(exc, ClaimError):
        return f"claim {exc.claim!r} missing or not accepted"
    if isinstance(exc, BadSignatureError):
        return "bad signature"
    return exc.error or exc.__class__.__name__
