"""SQL for auth.users; takes a connection, never commits."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection, record_to_dict

_COLUMNS = "id, user_id, username, role, is_platform_admin, is_active, created_at, updated_at"


async def insert_user(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    username: str,
    password_hash: str,
    role: str,
    is_platform_admin: bool,
) -> dict[str, Any] | None:
    """The new row, or None when the username (case-insensitively) is taken."""
    row = await tx.fetchrow(
        f"""
        INSERT INTO auth.users (id, user_id, username, password_hash, role, is_platform_admin)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (lower(username)) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        id,
        user_id,
        username,
        password_hash,
        role,
        is_platform_admin,
    )
    return record_to_dict(row)


async def get_user(conn: Connection, *, user_id: UUID, account_id: UUID) -> dict[str, Any] | None:
    """The account `account_id` of tenant `user_id`."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM auth.users WHERE id = $1 AND user_id = $2", account_id, user_id
    )
    return record_to_dict(row)


async def get_user_for_login(conn: Connection, *, username: str) -> dict[str, Any] | None:
    """The account named `username` (case-insensitive) with its password hash.

    Not tenant-scoped: at sign-in no tenant is known yet; usernames are globally unique.
    A SECURITY DEFINER function, so it works under row-level security.
    """
    row = await conn.fetchrow("SELECT * FROM auth.account_for_login($1)", username)
    return record_to_dict(row)


async def has_platform_admin(conn: Connection) -> bool:
    """Whether any platform administrator exists (across tenants, by definition)."""
    exists: bool = await conn.fetchval(
        "SELECT auth.has_platform_admin()"
    )
    return exists


async def is_tenant(conn: Connection, *, tenant_id: UUID) -> bool:
    """Whether `tenant_id` names a tenant (the account of its owner)."""
    exists: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM auth.users WHERE id = $1 AND user_id = $1)", tenant_id
    )
    return exists
