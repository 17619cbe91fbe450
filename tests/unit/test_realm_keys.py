"""The realm's keys: cached, fetched again when old or when a token names an unknown key id, but not too often."""

from __future__ import annotations

import pytest
import responses
from joserfc.jwk import KeySet
from registration_bridge.realm_keys import KeysUnavailable, RealmKeys, fetch_jwks

from .tokens import JWKS_URL, SigningKey, jwks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def published():
    """What the fake Keycloak publishes right now; tests rotate keys by changing it."""
    return {"keys": [SigningKey()]}


@pytest.fixture
def fetches(published):
    calls = []

    def fetch() -> KeySet:
        calls.append(1)
        return KeySet.import_key_set(jwks(*published["keys"], with_encryption_key=False))

    fetch.calls = calls
    return fetch


def realm_keys(fetch, clock) -> RealmKeys:
    return RealmKeys(fetch, max_age=300, min_refetch=10, clock=clock)


def test_keys_are_fetched_on_first_use_and_then_cached(fetches, clock, published):
    keys = realm_keys(fetches, clock)
    kid = published["keys"][0].kid
    assert keys.key_for(kid).kid == kid
    clock.now += 299
    assert keys.key_for(kid).kid == kid
    assert len(fetches.calls) == 1


def test_keys_older_than_the_max_age_are_fetched_again_and_a_removed_key_stops_working(fetches, clock, published):
    keys = realm_keys(fetches, clock)
    old = published["keys"][0]
    keys.key_for(old.kid)
    published["keys"] = [SigningKey()]
    clock.now += 300
    assert keys.key_for(old.kid) is None
    assert len(fetches.calls) == 2


def test_an_unknown_key_id_fetches_again_but_at_most_every_min_refetch_seconds(fetches, clock, published):
    keys = realm_keys(fetches, clock)
    keys.key_for(published["keys"][0].kid)
    clock.now += 11
    rotated = SigningKey()
    published["keys"].append(rotated)
    assert keys.key_for(rotated.kid).kid == rotated.kid
    assert len(fetches.calls) == 2
    for n in range(20):  # made-up key ids within the interval: no request to Keycloak
        assert keys.key_for(f"made-up-{n}") is None
    assert len(fetches.calls) == 2
    clock.now += 10
    assert keys.key_for("made-up-again") is None
    assert len(fetches.calls) == 3


def test_a_failed_fetch_raises_and_the_next_call_tries_again(clock, published):
    attempts = []

    def failing() -> KeySet:
        attempts.append(1)
        raise KeysUnavailable("down")

    keys = realm_keys(failing, clock)
    for _ in range(2):
        with pytest.raises(KeysUnavailable):
            keys.key_for(published["keys"][0].kid)
    assert len(attempts) == 2


@responses.activate
def test_fetch_jwks_keeps_only_signing_keys_and_uses_a_timeout():
    signing = SigningKey()
    responses.get(JWKS_URL, json=jwks(signing))
    keyset = fetch_jwks(JWKS_URL, timeout=2)
    assert [k.kid for k in keyset] == [signing.kid]
    assert responses.calls[0].request.req_kwargs["timeout"] == 2


@responses.activate
@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500},
        {"json": {"nokeys": 1}},
        {"json": {"keys": "x"}},
        {"json": {"keys": [{"kty": "RSA", "use": "enc", "n": "x", "e": "AQAB"}]}},
    ],
)
def test_fetch_jwks_raises_keys_unavailable_for_anything_but_signing_keys(answer):
    responses.get(JWKS_URL, **answer)
    with pytest.raises(KeysUnavailable):
        fetch_jwks(JWKS_URL, timeout=2)
