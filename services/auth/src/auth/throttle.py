"""Failed sign-ins and credential checks, counted per key; too many lock the key a while.

Keys: `ip:<address>` (every failure from an address), `user:<username>` (failed logins of
one username, known or not, so a lock tells nothing about which names exist). The counts
live in the database (auth.auth_failures), so every auth replica sees the same numbers.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from dataclasses import dataclass

from mpflow_platform.db import Pool
from mpflow_platform.http.problems import TooManyRequests


@dataclass(frozen=True)
class Limits:
    """`limit` failures within `window_seconds` lock the key for `lock_seconds`."""

    ip_limit: int = 50
    account_limit: int = 10
    window_seconds: int = 900
    lock_seconds: int = 900


_ADDRESS_RE = re.compile(r"[0-9A-Fa-f.:]+")


class TooManyAttempts(TooManyRequests):
    error_code = "too_many_attempts"


def ip_key(address: str | None) -> str:
    """The key of a client address (IPv4/IPv6 characters only; anything else is `unknown`)."""
    if not address or len(address) > 64 or not _ADDRESS_RE.fullmatch(address):
        return "ip:unknown"
    return f"ip:{address}"


def user_key(username: str) -> str:
    """The key of a username, case-insensitive, hashed (any text a client sends is safe)."""
    digest = hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass"))
    return f"user:{digest.hexdigest()}"


async def ensure_not_locked(pool: Pool, keys: list[str]) -> None:
    """429 with Retry-After while any of `keys` is locked."""
    seconds = await pool.fetchval(
        """
        SELECT extract(epoch FROM max(locked_until) - now())
          FROM auth.auth_failures WHERE key = ANY($1::text[]) AND locked_until > now()
        """,
        keys,
    )
    if seconds is not None:
        raise TooManyAttempts(
            "Too many failed attempts: wait before trying again.",
            retry_after=math.ceil(float(seconds)),
        )


async def record_failure(pool: Pool, limits: Limits, *, keys: dict[str, int]) -> None:
    """Count one failure against each key (key -> its limit); reaching a limit locks it."""
    async with pool.acquire() as conn, conn.transaction():
        for key, limit in keys.items():
            await conn.execute(
                """
                INSERT INTO auth.auth_failures AS f (key, failures, window_started_at)
                VALUES ($1, 1, now())
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => $2)
                                    THEN 1 ELSE f.failures + 1 END,
                    window_started_at = CASE
                        WHEN f.window_started_at <= now() - make_interval(secs => $2)
                        THEN now() ELSE f.window_started_at END
                """,
                key,
                limits.window_seconds,
            )
            await conn.execute(
                """
                UPDATE auth.auth_failures
                   SET locked_until = now() + make_interval(secs => $3),
                       failures = 0, window_started_at = now()
                 WHERE key = $1 AND failures >= $2
                """,
                key,
                limit,
                limits.lock_seconds,
            )
        if random.random() < 0.01:  # housekeeping now and then: forget stale counters
            await conn.execute(
                """
                DELETE FROM auth.auth_failures
                 WHERE window_started_at < now() - interval '1 day'
                   AND (locked_until IS NULL OR locked_until < now())
                """
            )


async def clear(pool: Pool, key: str) -> None:
    """Forget the failures of `key` (after a successful sign-in)."""
    await pool.execute(
        "DELETE FROM auth.auth_failures WHERE key = $1 AND locked_until IS NULL", key
    )
