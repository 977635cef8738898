"""SQL for auth.users; takes a connection, never commits."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection, record_to_dict, update_row
from mpflow_platform.http.pagination import PageQuery, fetch_page

_COLUMNS = (
    "id, user_id, username, role, is_platform_admin, is_active, sso_subject, created_at, updated_at"
)
#: The columns an update may set; the names never come from input.
_UPDATABLE = ("role", "is_active", "password_hash", "sso_subject")
SSO_SUBJECT_INDEX = "users_sso_subject_key"


class SsoSubjectInUse(Exception):
    """Another account is already linked to this SSO subject."""


async def insert_user(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    username: str,
    password_hash: str,
    role: str,
    is_platform_admin: bool,
    sso_subject: str | None = None,
) -> dict[str, Any] | None:
    """The new row, or None when the username (case-insensitively) is taken."""
    try:
        row = await tx.fetchrow(
            f"""
            INSERT INTO auth.users
                (id, user_id, username, password_hash, role, is_platform_admin, sso_subject)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (lower(username)) DO NOTHING
            RETURNING {_COLUMNS}
            """,
            id,
            user_id,
            username,
            password_hash,
            role,
            is_platform_admin,
            sso_subject,
        )
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == SSO_SUBJECT_INDEX:
            raise SsoSubjectInUse from exc
        raise
    return record_to_dict(row)


async def get_user(
    conn: Connection, *, user_id: UUID, account_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    """The account `account_id` of tenant `user_id`."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM auth.users WHERE id = $1 AND user_id = $2"
        + (" FOR UPDATE" if lock else ""),
        account_id,
        user_id,
    )
    return record_to_dict(row)


async def list_users(
    tx: Connection,
    *,
    user_id: UUID,
    role: str | None,
    is_active: bool | None,
    page: PageQuery,
) -> tuple[list[dict[str, Any]], int]:
    """One page of the tenant's accounts, optionally narrowed by role and state."""
    where, args = "user_id = $1", list[Any]([user_id])
    if role is not None:
        args.append(role)
        where += f" AND role = ${len(args)}"
    if is_active is not None:
        args.append(is_active)
        where += f" AND is_active = ${len(args)}"
    rows, total = await fetch_page(
        tx,
        columns=_COLUMNS,
        table="auth.users",
        where=where,
        args=args,
        search_columns=("username", "sso_subject"),
        tie_breaker="id",
        page=page,
    )
    return [dict(r) for r in rows], total


async def active_owner_ids(tx: Connection, *, user_id: UUID) -> list[UUID]:
    """The tenant's active owners, locked until the transaction ends (so two concurrent
    demotions cannot both see the other owner)."""
    rows = await tx.fetch(
        """
        SELECT id FROM auth.users
        WHERE user_id = $1 AND role = 'owner' AND is_active
        ORDER BY id
        FOR UPDATE
        """,
        user_id,
    )
    return [r["id"] for r in rows]


async def update_user(
    tx: Connection, *, user_id: UUID, account_id: UUID, changes: dict[str, Any]
) -> dict[str, Any]:
    """Set `changes` (keys from a fixed list) on the account; the row after the update."""
    try:
        row = await update_row(
            tx,
            table="auth.users",
            user_id=user_id,
            row_id=account_id,
            changes=changes,
            allowed=_UPDATABLE,
            returning=_COLUMNS,
        )
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == SSO_SUBJECT_INDEX:
            raise SsoSubjectInUse from exc
        raise
    assert row is not None
    return dict(row)


async def end_account_sessions(
    tx: Connection, *, user_id: UUID, account_id: UUID, keep_session: UUID | None = None
) -> int:
    """Revoke the account's live sessions (but `keep_session`); how many were ended."""
    status: str = await tx.execute(
        """
        UPDATE auth.sessions SET revoked_at = now()
        WHERE user_id = $1 AND account_id = $2 AND revoked_at IS NULL
          AND id IS DISTINCT FROM $3
        """,
        user_id,
        account_id,
        keep_session,
    )
    return int(status.rsplit(" ", 1)[1])


async def get_user_for_login(conn: Connection, *, username: str) -> dict[str, Any] | None:
    """The account named `username` (case-insensitive) with its password hash.

    Not tenant-scoped: at sign-in no tenant is known yet; usernames are globally unique.
    A SECURITY DEFINER function, so it works under row-level security.
    """
    row = await conn.fetchrow("SELECT * FROM auth.account_for_login($1)", username)
    return record_to_dict(row)


async def has_platform_admin(conn: Connection) -> bool:
    """Whether any platform administrator exists (across tenants, by definition)."""
    exists: bool = await conn.fetchval("SELECT auth.has_platform_admin()")
    return exists


async def is_tenant(conn: Connection, *, tenant_id: UUID) -> bool:
    """Whether `tenant_id` names a tenant (the account of its owner)."""
    exists: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM auth.users WHERE id = $1 AND user_id = $1)", tenant_id
    )
    return exists
