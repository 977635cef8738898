"""SQL for FIFO lots; takes a connection inside a tenant transaction, never commits.

Lock order (every writer of stock follows it, so concurrent writers never deadlock):
1. the cards concerned, `lock_cards()`, in ascending card_id;
2. then a supplier order's row, then its lines (receipts, unreceipts, charges, edits);
3. then lots, in FIFO order (`received_at`, `id`);
4. then sale lines and allocations.
A step that does not apply is skipped, never taken out of order.
Holding the card lock serializes every change of one card's stock, so two sales of the
same card can never take the same units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from inventory.costing.fifo import LotState
from mpflow_platform.db import Connection

LOT_COLUMNS = (
    "id, card_id, source, receipt_id, order_line_id, received_at, initial_qty, remaining_qty, "
    "initial_value, remaining_value, created_at"
)


async def lock_cards(tx: Connection, *, user_id: UUID, card_ids: Iterable[UUID]) -> set[UUID]:
    """Lock the cards' rows (ascending id) for the transaction; the ids that exist."""
    rows = await tx.fetch(
        "SELECT card_id FROM inventory.cards WHERE user_id = $1 AND card_id = ANY($2) "
        "ORDER BY card_id FOR UPDATE",
        user_id,
        sorted(set(card_ids)),
    )
    return {r["card_id"] for r in rows}


def lot_state(row: Any) -> LotState[UUID]:
    return LotState(
        lot_id=row["id"],
        received_at=row["received_at"],
        initial_qty=row["initial_qty"],
        remaining_qty=row["remaining_qty"],
        initial_value=row["initial_value"],
        remaining_value=row["remaining_value"],
    )


async def insert_lot(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    card_id: UUID,
    source: str,
    received_at: datetime,
    qty: int,
    value: Decimal,
    receipt_id: UUID | None = None,
    order_line_id: UUID | None = None,
) -> dict[str, Any]:
    """A new lot holding `qty` units worth `value` (base currency)."""
    row = await tx.fetchrow(
        f"""
        INSERT INTO inventory.lots (id, user_id, card_id, source, receipt_id, order_line_id,
                                    received_at, initial_qty, remaining_qty, initial_value,
                                    remaining_value)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9)
        RETURNING {LOT_COLUMNS}
        """,
        id,
        user_id,
        card_id,
        source,
        receipt_id,
        order_line_id,
        received_at,
        qty,
        value,
    )
    assert row is not None
    return dict(row)


async def open_lots(
    tx: Connection, *, user_id: UUID, card_id: UUID, limit: int | None = None
) -> list[LotState[UUID]]:
    """The card's lots with units left, oldest first. Call `lock_cards()` first: the card
    lock is what makes the answer stable until the transaction ends."""
    rows = await tx.fetch(
        f"SELECT {LOT_COLUMNS} FROM inventory.lots "
        "WHERE user_id = $1 AND card_id = $2 AND remaining_qty > 0 "
        "ORDER BY received_at, id" + ("" if limit is None else f" LIMIT {int(limit)}"),
        user_id,
        card_id,
    )
    return [lot_state(r) for r in rows]


async def get_lots(
    tx: Connection, *, user_id: UUID, lot_ids: Sequence[UUID]
) -> dict[UUID, LotState[UUID]]:
    rows = await tx.fetch(
        f"SELECT {LOT_COLUMNS} FROM inventory.lots WHERE user_id = $1 AND id = ANY($2) "
        "ORDER BY received_at, id",
        user_id,
        list(lot_ids),
    )
    return {r["id"]: lot_state(r) for r in rows}


async def save_lots(tx: Connection, *, user_id: UUID, lots: Sequence[LotState[UUID]]) -> None:
    """Store the remaining quantity and value of lots changed by the pure costing code."""
    if not lots:
        return
    await tx.executemany(
        "UPDATE inventory.lots SET remaining_qty = $3, remaining_value = $4 "
        "WHERE user_id = $1 AND id = $2",
        [(user_id, lot.lot_id, lot.remaining_qty, lot.remaining_value) for lot in lots],
    )


async def lots_of_receipt_for_update(
    tx: Connection, *, user_id: UUID, receipt_id: UUID
) -> list[dict[str, Any]]:
    """A receipt's lots, locked, in FIFO order (lock the cards first)."""
    rows = await tx.fetch(
        f"SELECT {LOT_COLUMNS} FROM inventory.lots WHERE user_id = $1 AND receipt_id = $2 "
        "ORDER BY received_at, id FOR UPDATE",
        user_id,
        receipt_id,
    )
    return [dict(r) for r in rows]


async def card_ids_of_receipt(tx: Connection, *, user_id: UUID, receipt_id: UUID) -> list[UUID]:
    rows = await tx.fetch(
        "SELECT DISTINCT card_id FROM inventory.lots WHERE user_id = $1 AND receipt_id = $2",
        user_id,
        receipt_id,
    )
    return [r["card_id"] for r in rows]


async def consumers_of(
    tx: Connection, *, user_id: UUID, lot_ids: Sequence[UUID]
) -> list[dict[str, Any]]:
    """The sales whose lines took units of these lots: sale_id, sale_line_id, lot_id, qty."""
    rows = await tx.fetch(
        """
        SELECT sl.sale_id, a.sale_line_id, a.lot_id, sum(a.qty)::int AS qty
        FROM inventory.cogs_allocations a
        JOIN inventory.sale_lines sl ON sl.user_id = a.user_id AND sl.id = a.sale_line_id
        WHERE a.user_id = $1 AND a.lot_id = ANY($2)
        GROUP BY sl.sale_id, a.sale_line_id, a.lot_id
        ORDER BY sl.sale_id, a.sale_line_id, a.lot_id
        """,
        user_id,
        list(lot_ids),
    )
    return [dict(r) for r in rows]


async def lots_of_line_for_update(
    tx: Connection, *, user_id: UUID, order_line_id: UUID
) -> list[dict[str, Any]]:
    """An order line's lots in FIFO order, locked, without those of unreceived receipts
    (they stay, emptied, because movements reference them, but carry none of the line's
    value any more: a late value or redistributed shortage must not reach them)."""
    rows = await tx.fetch(
        f"SELECT {', '.join('l.' + c for c in LOT_COLUMNS.split(', '))} "
        "FROM inventory.lots l JOIN inventory.receipts r "
        "ON r.user_id = l.user_id AND r.id = l.receipt_id "
        "WHERE l.user_id = $1 AND l.order_line_id = $2 AND r.reversed_at IS NULL "
        "ORDER BY l.received_at, l.id FOR UPDATE OF l",
        user_id,
        order_line_id,
    )
    return [dict(r) for r in rows]
