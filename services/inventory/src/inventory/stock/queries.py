"""Read-only SQL of the stock overview; scoped by user_id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import Sort, like_pattern

SORTABLE = {"sku": "sku", "title": "title"}


async def list_active_cards(
    tx: Connection, *, user_id: UUID, q: str | None, sort: Sort, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    where = "user_id = $1 AND status = 'active'"
    args: list[Any] = [user_id]
    if q:
        args.append(like_pattern(q))
        where += f" AND (sku ILIKE ${len(args)} OR title ILIKE ${len(args)})"
    total = await tx.fetchval(f"SELECT count(*) FROM inventory.cards WHERE {where}", *args)
    rows = await tx.fetch(
        f"SELECT card_id, sku, title FROM inventory.cards WHERE {where} "
        f"ORDER BY {sort.sql}, card_id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return list(rows), int(total)
