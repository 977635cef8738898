"""SQL for master cards; every statement is scoped by user_id. Never commits."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import Sort, like_pattern

SORTABLE = {"sku": "sku", "title": "title", "created_at": "created_at"}


async def insert_card(
    tx: Connection, *, card_id: UUID, user_id: UUID, sku: str, title: str
) -> asyncpg.Record | None:
    """The new row, or None when the tenant already has this SKU."""
    row: asyncpg.Record | None = await tx.fetchrow(
        """
        INSERT INTO catalog.master_cards (id, user_id, sku, title)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (user_id, sku) DO NOTHING
        RETURNING id, sku, title, status, created_at, updated_at
        """,
        card_id,
        user_id,
        sku,
        title,
    )
    return row


async def get_card(tx: Connection, *, user_id: UUID, card_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await tx.fetchrow(
        "SELECT id, sku, title, status, created_at, updated_at FROM catalog.master_cards "
        "WHERE user_id = $1 AND id = $2",
        user_id,
        card_id,
    )
    return row


async def list_cards(
    tx: Connection, *, user_id: UUID, q: str | None, sort: Sort, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    where = "user_id = $1"
    args: list[Any] = [user_id]
    if q:
        args.append(like_pattern(q))
        where += f" AND (sku ILIKE ${len(args)} OR title ILIKE ${len(args)})"
    total = await tx.fetchval(f"SELECT count(*) FROM catalog.master_cards WHERE {where}", *args)
    rows = await tx.fetch(
        f"SELECT id, sku, title, status, created_at, updated_at FROM catalog.master_cards "
        f"WHERE {where} ORDER BY {sort.sql}, id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return list(rows), int(total)
