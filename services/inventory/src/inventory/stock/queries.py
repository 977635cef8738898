"""Read-only SQL of the stock overview; scoped by user_id."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import PageQuery, fetch_page

SORTABLE = {"sku": "sku", "title": "title"}


async def list_active_cards(
    tx: Connection, *, user_id: UUID, page: PageQuery
) -> tuple[list[asyncpg.Record], int]:
    return await fetch_page(
        tx,
        columns="card_id, sku, title",
        table="inventory.cards",
        where="user_id = $1 AND status = 'active'",
        args=[user_id],
        search_columns=("sku", "title"),
        tie_breaker="card_id",
        page=page,
    )
