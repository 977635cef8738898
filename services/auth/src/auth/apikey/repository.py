"""SQL for auth.api_keys; takes a connection inside a tenant transaction, never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection, record_to_dict
from mpflow_platform.http.pagination import PageQuery, fetch_page

_COLUMNS = (
    "id, user_id, account_id, public_id, name, scopes, created_at, expires_at, last_used_at, "
    "rotated_at, previous_valid_until, revoked_at"
)


async def insert_key(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    account_id: UUID,
    public_id: str,
    name: str,
    scopes: list[str],
    secret_hash: bytes,
    expires_at: datetime | None,
) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"""
        INSERT INTO auth.api_keys
            (id, user_id, account_id, public_id, name, scopes, secret_hash, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_COLUMNS}
        """,
        id,
        user_id,
        account_id,
        public_id,
        name,
        scopes,
        secret_hash,
        expires_at,
    )
    assert row is not None
    return dict(row)


def _visible(account_id: UUID | None) -> str:
    """Members see their own keys, owners every key of the tenant."""
    return "" if account_id is None else " AND account_id = $2"


async def list_keys(
    tx: Connection, *, user_id: UUID, account_id: UUID | None, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    args: list[Any] = [user_id] if account_id is None else [user_id, account_id]
    rows, total = await fetch_page(
        tx,
        columns=_COLUMNS,
        table="auth.api_keys",
        where="user_id = $1" + _visible(account_id),
        args=args,
        search_columns=("name", "public_id"),
        tie_breaker="id",
        page=page,
    )
    return [dict(r) for r in rows], total


async def get_key(
    tx: Connection, *, user_id: UUID, key_id: UUID, account_id: UUID | None, lock: bool = False
) -> dict[str, Any] | None:
    args: list[Any] = [user_id] if account_id is None else [user_id, account_id]
    args.append(key_id)
    row = await tx.fetchrow(
        f"SELECT {_COLUMNS} FROM auth.api_keys WHERE user_id = $1{_visible(account_id)} "
        f"AND id = ${len(args)}" + (" FOR UPDATE" if lock else ""),
        *args,
    )
    return record_to_dict(row)


async def revoke_key(tx: Connection, *, user_id: UUID, key_id: UUID) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"""
        UPDATE auth.api_keys SET revoked_at = coalesce(revoked_at, now())
         WHERE user_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        user_id,
        key_id,
    )
    assert row is not None
    return dict(row)


async def rotate_key(
    tx: Connection, *, user_id: UUID, key_id: UUID, secret_hash: bytes, grace_seconds: int
) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"""
        UPDATE auth.api_keys
           SET previous_secret_hash = CASE WHEN $4 > 0 THEN secret_hash END,
               previous_valid_until = CASE WHEN $4 > 0
                                           THEN now() + make_interval(secs => $4) END,
               secret_hash = $3,
               rotated_at = now()
         WHERE user_id = $1 AND id = $2
        RETURNING {_COLUMNS}
        """,
        user_id,
        key_id,
        secret_hash,
        grace_seconds,
    )
    assert row is not None
    return dict(row)


async def find_key_tenant(conn: Connection, *, public_id: str) -> tuple[UUID, UUID] | None:
    """(key id, tenant) of the key with `public_id`: a look-up made before any tenant is known
    (SECURITY DEFINER function, works under row-level security)."""
    row = await conn.fetchrow("SELECT id, user_id FROM auth.api_key_tenant($1)", public_id)
    return None if row is None else (row["id"], row["user_id"])


async def get_key_for_auth(tx: Connection, *, user_id: UUID, key_id: UUID) -> dict[str, Any] | None:
    """The key with its hashes and its account (for a credential check)."""
    row = await tx.fetchrow(
        """
        SELECT k.id, k.user_id, k.account_id, k.scopes, k.secret_hash, k.previous_secret_hash,
               k.previous_valid_until, k.expires_at, k.revoked_at, k.last_used_at,
               u.username, u.role, u.is_platform_admin, u.is_active
          FROM auth.api_keys k JOIN auth.users u ON u.id = k.account_id AND u.user_id = k.user_id
         WHERE k.user_id = $1 AND k.id = $2
        """,
        user_id,
        key_id,
    )
    return record_to_dict(row)


async def touch_last_used(tx: Connection, *, user_id: UUID, key_id: UUID) -> None:
    """Record use at most once a minute, not per request."""
    await tx.execute(
        """
        UPDATE auth.api_keys SET last_used_at = now()
         WHERE user_id = $1 AND id = $2
           AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        """,
        user_id,
        key_id,
    )
