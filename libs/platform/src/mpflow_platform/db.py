"""Connection pool and the one way to open a transaction (with the tenant set for RLS)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

Connection: TypeAlias = asyncpg.Connection
Pool: TypeAlias = asyncpg.Pool


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, application_name: str, max_size: int = 10) -> Pool:
    """A pool whose connections decode json/jsonb to Python values."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        init=_init_connection,
        server_settings={"application_name": application_name},
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(pool: Pool, *, user_id: UUID | None = None) -> AsyncIterator[Connection]:
    """One transaction; `app.user_id` is set for its duration so RLS policies see the tenant."""
    async with pool.acquire() as conn, conn.transaction():
        if user_id is not None:
            await set_tenant(conn, user_id)
        yield conn


async def set_tenant(tx: Connection, user_id: UUID) -> None:
    """Make `user_id` the tenant of the rest of the current transaction (RLS policies)."""
    await tx.execute("SELECT set_config('app.user_id', $1, true)", str(user_id))


def record_to_dict(record: asyncpg.Record | None) -> dict[str, Any] | None:
    """A row as a plain dict (None stays None)."""
    return dict(record) if record is not None else None
