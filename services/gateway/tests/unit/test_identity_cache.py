"""The identity cache: positive answers for a few seconds, forgotten on demand."""

from __future__ import annotations

from uuid import uuid4

from gateway.identity.cache import IdentityCache, token_key
from mpflow_platform.http.identity import Identity


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ALICE = Identity(user_id=uuid4(), username="alice")


def test_cached_identity_is_returned_until_its_time_is_up() -> None:
    clock = Clock()
    cache = IdentityCache(5, clock=clock)
    cache.put("tok", ALICE)

    clock.now += 4.9
    assert cache.get("tok") == ALICE
    clock.now += 0.1
    assert cache.get("tok") is None


def test_forgotten_token_is_no_longer_cached() -> None:
    cache = IdentityCache(60)
    cache.put("tok", ALICE)

    cache.forget("tok")

    assert cache.get("tok") is None


def test_zero_cache_time_caches_nothing() -> None:
    cache = IdentityCache(0)

    cache.put("tok", ALICE)

    assert cache.get("tok") is None


def test_cache_never_grows_past_its_bound() -> None:
    cache = IdentityCache(60, max_entries=10)

    for n in range(25):
        cache.put(f"tok-{n}", ALICE)

    assert len(cache) <= 10
    assert cache.get("tok-24") == ALICE


def test_cache_key_is_a_hash_not_the_token() -> None:
    assert "secret-token" not in token_key("secret-token")
    assert len(token_key("secret-token")) == 64
