"""The realm's public signing keys (its JWKS), fetched from Keycloak and cached.

Fetched on first use, again when older than `max_age`, and again when a token names a key id the cache does
not know (Keycloak rotated its keys), but then at most every `min_refetch` seconds, so tokens with made-up key
ids can not make the bridge hammer Keycloak. When the keys can not be fetched, KeysUnavailable: the caller
fails closed (503), it never lets a token through unchecked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests
from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from .token_errors import KeysUnavailable

__all__ = ["KeysUnavailable", "RealmKeys", "fetch_jwks"]
log = logging.getLogger(__name__)


def fetch_jwks(url: str, timeout: float) -> KeySet:
    """The signing keys published at `url` (keys for encryption are left out)."""
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        signing = [k for k in document["keys"] if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        return KeySet.import_key_set({"keys": signing})
    except (requests.RequestException, ValueError, KeyError, TypeError, JoseError) as exc:
        raise KeysUnavailable(f"{url}: {exc.__class__.__name__}") from exc


class RealmKeys:
    def __init__(
        self,
        fetch: Callable[[], KeySet],
        max_age: float,
        min_refetch: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._max_age = max_age
        self._min_refetch = min_refetch
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, timeout: float, max_age: float, min_refetch: float) -> RealmKeys:
        return cls(lambda: fetch_jwks(url, timeout), max_age, min_refetch)

    def key_for(self, kid: str) -> Key | None:
        """The signing key with this key id, or None when the realm has none (after one refetch if allowed)."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at >= self._max_age:
                self._refresh(now)
            key = self._find(kid)
            if key is None and now - self._fetched_at >= self._min_refetch:
                log.info("unknown key id %r: fetching the realm's keys again", kid)
                self._refresh(now)
                key = self._find(kid)
            return key

    def _refresh(self, now: float) -> None:
        self._keys = self._fetch()
        self._fetched_at = now

    def _find(self, kid: str) -> Key | None:
        assert self._keys is not None
        return next((key for key in self._keys if key.kid == kid), None)
