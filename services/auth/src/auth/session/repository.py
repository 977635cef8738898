"""SQL for auth.sessions; takes a connection, never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection, record_to_dict


async def insert_session(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    account_id: UUID,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    await tx.execute(
        """
        INSERT INTO auth.sessions (id, user_id, account_id, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5)
        """,
        id,
        user_id,
        account_id,
        created_at,
        expires_at,
    )


async def update_session_revoked(
    tx: Connection, *, id: UUID, user_id: UUID, account_id: UUID
) -> bool:
    """Revoke a live session of this tenant's account; False when there was none."""
    status: str = await tx.execute(
        """
        UPDATE auth.sessions SET revoked_at = now()
        WHERE id = $1 AND user_id = $2 AND account_id = $3 AND revoked_at IS NULL
        """,
        id,
        user_id,
        account_id,
    )
    return status != "UPDATE 0"


async def get_live_session_account(
    conn: Connection, *, id: UUID, user_id: UUID, account_id: UUID
) -> dict[str, Any] | None:
    """The account behind a session that is unrevoked, unexpired and whose account is active."""
    row = await conn.fetchrow(
        """
        SELECT u.id, u.user_id, u.username, u.role, u.is_platform_admin
        FROM auth.sessions s
        JOIN auth.users u ON u.id = s.account_id AND u.user_id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2 AND s.account_id = $3
          AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active
        """,
        id,
        user_id,
        account_id,
    )
    return record_to_dict(row)


async def is_token_revoked(conn: Connection, *, user_id: UUID, token_hash: bytes) -> bool:
    revoked: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM auth.revoked_tokens WHERE user_id = $1 AND token_hash = $2)",
        user_id,
        token_hash,
    )
    return revoked


async def insert_revoked_token(
    tx: Connection, *, user_id: UUID, token_hash: bytes, expires_at: datetime
) -> None:
    """Deny a session-less token until it would have expired; expired entries are dropped."""
    await tx.execute(
        """
        INSERT INTO auth.revoked_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)
        ON CONFLICT (token_hash) DO NOTHING
        """,
        token_hash,
        user_id,
        expires_at,
    )
    await tx.execute(
        "DELETE FROM auth.revoked_tokens WHERE user_id = $1 AND expires_at < now()", user_id
    )
