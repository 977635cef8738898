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


def test_an_identity_is_never_cached_past_its_credential_expiry() -> None:
    clock, wall = Clock(), Clock()
    cache = IdentityCache(5, clock=clock, wall_clock=wall)
    cache.put("tok", Identity(user_id=uuid4(), expires_at=int(wall.now) + 2))
    cache.put("expired", Identity(user_id=uuid4(), expires_at=int(wall.now)))

    clock.now += 1.9
    assert cache.get("tok") is not None
    clock.now += 0.1
    assert cache.get("tok") is None
    assert cache.get("expired") is None


def test_forgetting_a_tenant_drops_only_its_identities() -> None:
    cache = IdentityCache(60)
    bob = Identity(user_id=uuid4(), username="bob")
    cache.put("alice-1", ALICE)
    cache.put("alice-2", ALICE)
    cache.put("bob", bob)

    assert cache.forget_tenant(ALICE.user_id) == 2  # type: ignore[arg-type]

    assert cache.get("alice-1") is None and cache.get("alice-2") is None
    assert cache.get("bob") == bob
