"""SQL for master cards; every statement is scoped by user_id. Never commits."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import PageQuery, fetch_page

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
    tx: Connection, *, user_id: UUID, page: PageQuery
) -> tuple[list[asyncpg.Record], int]:
    return await fetch_page(
        tx,
        columns="id, sku, title, status, created_at, updated_at",
        table="catalog.master_cards",
        where="user_id = $1",
        args=[user_id],
        search_columns=("sku", "title"),
        tie_breaker="id",
        page=page,
    )
