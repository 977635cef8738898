"""SQL for FIFO lots; takes a connection inside a tenant transaction, never commits.

Lock order (every writer of stock follows it, so concurrent writers never deadlock):
1. the cards concerned, `lock_cards()`, in ascending card_id;
2. then their lots, in FIFO order (`received_at`, `id`);
3. then sale lines and allocations.
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
