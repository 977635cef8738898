"""Read-only SQL of unit costs; scoped by user_id (and RLS)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection


async def unit_costs(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]
) -> list[dict[str, Any]]:
    """Per card: units and value left in its lots, and the oldest open lot (the next unit
    out under FIFO). Cards without stock are absent."""
    rows = await tx.fetch(
        """
        SELECT card_id,
               sum(remaining_qty)::int AS qty,
               sum(remaining_value) AS value,
               (array_agg(remaining_value / remaining_qty ORDER BY received_at, id))[1]
                   AS fifo_unit_cost
        FROM inventory.lots
        WHERE user_id = $1 AND card_id = ANY($2) AND remaining_qty > 0
        GROUP BY card_id
        """,
        user_id,
        list(card_ids),
    )
    return [dict(r) for r in rows]


async def availability(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]
) -> list[dict[str, Any]]:
    """Units on hand per card and location (the ledger balances); locations at 0 are absent."""
    rows = await tx.fetch(
        """
        SELECT card_id, location, qty
        FROM inventory.balances
        WHERE user_id = $1 AND card_id = ANY($2) AND qty <> 0
        ORDER BY card_id, location
        """,
        user_id,
        list(card_ids),
    )
    return [dict(r) for r in rows]


async def stock_valuation(tx: Connection, *, user_id: UUID) -> list[dict[str, Any]]:
    """Every card and location holding units or value, with the card's SKU and title."""
    rows = await tx.fetch(
        """
        SELECT b.card_id, c.sku, c.title, b.location, b.qty, b.value
        FROM inventory.balances b
        JOIN inventory.cards c ON c.user_id = b.user_id AND c.card_id = b.card_id
        WHERE b.user_id = $1 AND (b.qty <> 0 OR b.value <> 0)
        ORDER BY c.sku, b.card_id, b.location
        """,
        user_id,
    )
    return [dict(r) for r in rows]
