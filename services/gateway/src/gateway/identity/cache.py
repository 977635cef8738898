"""A short-lived memory of verified credentials, keyed by a hash of the token."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from uuid import UUID

from mpflow_platform.http.identity import Identity


def token_key(token: str) -> str:
    """The cache key of a token: its SHA-256, so the cache never holds a usable credential."""
    return hashlib.sha256(token.encode()).hexdigest()


class IdentityCache:
    """Positive results only, each kept for `ttl` seconds; bounded to `max_entries`."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._wall_clock = wall_clock
        self._entries: dict[str, tuple[float, Identity]] = {}

    def get(self, token: str) -> Identity | None:
        key = token_key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, identity = entry
        if expires_at <= self._clock():
            del self._entries[key]
            return None
        return identity

    def put(self, token: str, identity: Identity) -> None:
        """Remember `identity` for `ttl` seconds, never past its credential's expiry."""
        ttl = self._ttl
        if identity.expires_at is not None:
            ttl = min(ttl, identity.expires_at - self._wall_clock())
        if ttl <= 0:
            return
        now = self._clock()
        if len(self._entries) >= self._max_entries:
            self._evict(now)
        self._entries[token_key(token)] = (now + ttl, identity)

    def forget(self, token: str) -> None:
        self._entries.pop(token_key(token), None)

    def forget_tenant(self, user_id: UUID) -> int:
        """Drop every identity of tenant `user_id`; how many were dropped."""
        stale = [k for k, (_, identity) in self._entries.items() if identity.user_id == user_id]
        for key in stale:
            del self._entries[key]
        return len(stale)

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self, now: float) -> None:
        """Drop expired entries; if still full, the oldest half (dicts keep insertion order)."""
        self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(self._entries) >= self._max_entries:
            keep = list(self._entries.items())[len(self._entries) // 2 :]
            self._entries = dict(keep)
