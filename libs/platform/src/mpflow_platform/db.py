"""Connection pool and the one way to open a transaction (with the tenant set for RLS)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

Connection: TypeAlias = asyncpg.Connection
Pool: TypeAlias = asyncpg.Pool


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class DatabaseRoleError(RuntimeError):
    """The pool's connections cannot take on the configured database role."""


def _role_problem(role: str, exc: asyncpg.PostgresError) -> DatabaseRoleError:
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        what = (
            f'the database user of DATABASE_URL may not switch to role "{role}" ({exc}): '
            f"grant it the role (GRANT {role} TO <that user>; the migrate job does this for "
            "its --app-role, e.g. mpflow_app)"
        )
    else:
        what = (
            f'database role "{role}" does not exist ({exc}): apply the migrations as a user '
            "that may create roles (they create the mpflow_<service> roles), or have the "
            "database administrator create it"
        )
    return DatabaseRoleError(
        f"cannot run as database role {role!r}: {what}; or set DB_ROLE to a role that user "
        "may switch to, or DB_ROLE= (empty) to run as the login user itself. See "
        'docs/operations.md, "Database roles".'
    )


async def create_pool(
    dsn: str,
    *,
    application_name: str,
    max_size: int = 10,
    role: str | None = None,
) -> Pool:
    """A pool whose connections decode json/jsonb to Python values.

    With `role`, every connection runs as that database role (a startup parameter, so it is
    the session's default: the pool's RESET ALL on release and RESET ROLE keep it). It is how
    services run as their non-owner `mpflow_<service>` role, to which row-level security
    applies. A role that does not exist or that the login user may not switch to raises
    DatabaseRoleError with what to do.
    """
    settings = {"application_name": application_name}
    if role:
        settings["role"] = role
    try:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_size,
            init=_init_connection,
            server_settings=settings,
        )
    except (asyncpg.InvalidParameterValueError, asyncpg.InsufficientPrivilegeError) as exc:
        if not role or "role" not in str(exc):
            raise
        raise _role_problem(role, exc) from None
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


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


async def update_row(
    tx: Connection,
    *,
    table: str,
    user_id: UUID,
    row_id: UUID,
    changes: Mapping[str, Any],
    allowed: Sequence[str],
    also: str = "updated_at = now()",
    returning: str | None = None,
) -> asyncpg.Record | None:
    """`UPDATE table SET <changes>, <also> WHERE user_id = $1 AND id = $2 [RETURNING …]`:
    the tenant's row `row_id` gets the `changes`, whose keys must be among `allowed` (the
    columns a caller may set, in code; a key outside them is a programming error: ValueError).
    `also` adds fixed assignments (the timestamp, a version bump). The row returned, if
    `returning` names columns and the row exists. Table and column names come from code,
    never from a request; they are checked as plain identifiers all the same."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    names = [name for name in allowed if name in changes]
    if not _IDENTIFIER.match(table) or not all(_IDENTIFIER.match(name) for name in names):
        raise ValueError(f"not a plain identifier: {table} {names}")
    sets = ", ".join([*(f"{name} = ${i}" for i, name in enumerate(names, start=3)), also])
    sql = f"UPDATE {table} SET {sets} WHERE user_id = $1 AND id = $2"
    values = [changes[name] for name in names]
    if returning is None:
        await tx.execute(sql, user_id, row_id, *values)
        return None
    return await tx.fetchrow(f"{sql} RETURNING {returning}", user_id, row_id, *values)
