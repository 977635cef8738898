"""SQL of receipts and of the order columns a receipt changes; takes a connection inside a
tenant transaction, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from inventory.receipt.model import OrderLine
from mpflow_platform.db import Connection

RECEIPT_COLUMNS = "id, order_id, location, received_at, note, actor, created_at, reversed_at"


async def order_card_ids(tx: Connection, *, user_id: UUID, order_id: UUID) -> list[UUID]:
    """The cards of an order's lines (read before locking them: lines of an order that can
    be received no longer change their card)."""
    rows = await tx.fetch(
        "SELECT DISTINCT card_id FROM inventory.supplier_order_lines "
        "WHERE user_id = $1 AND order_id = $2",
        user_id,
        order_id,
    )
    return [r["card_id"] for r in rows]


async def get_order_for_update(
    tx: Connection, *, user_id: UUID, order_id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT id, supplier_id, status, shortage_policy, closed_at, version "
        "FROM inventory.supplier_orders WHERE user_id = $1 AND id = $2 FOR UPDATE",
        user_id,
        order_id,
    )
    return None if row is None else dict(row)


async def order_exists(tx: Connection, *, user_id: UUID, order_id: UUID) -> bool:
    return bool(
        await tx.fetchval(
            "SELECT EXISTS (SELECT 1 FROM inventory.supplier_orders "
            "WHERE user_id = $1 AND id = $2)",
            user_id,
            order_id,
        )
    )


async def lines_for_update(tx: Connection, *, user_id: UUID, order_id: UUID) -> list[OrderLine]:
    rows = await tx.fetch(
        "SELECT id, card_id, qty_ordered, qty_received, landed_value, value_received "
        "FROM inventory.supplier_order_lines WHERE user_id = $1 AND order_id = $2 "
        "ORDER BY line_no FOR UPDATE",
        user_id,
        order_id,
    )
    return [OrderLine(**dict(r)) for r in rows]


async def update_lines(tx: Connection, *, user_id: UUID, lines: Sequence[OrderLine]) -> None:
    await tx.executemany(
        "UPDATE inventory.supplier_order_lines SET qty_received = $3, value_received = $4 "
        "WHERE user_id = $1 AND id = $2",
        [(user_id, line.id, line.qty_received, line.value_received) for line in lines],
    )


async def update_order_status(
    tx: Connection, *, user_id: UUID, order_id: UUID, status: str, closed_at: datetime | None
) -> None:
    await tx.execute(
        "UPDATE inventory.supplier_orders SET status = $3, closed_at = $4, "
        "version = version + 1, updated_at = now() WHERE user_id = $1 AND id = $2",
        user_id,
        order_id,
        status,
        closed_at,
    )


async def insert_receipt(
    tx: Connection,
    *,
    id: UUID,
    user_id: UUID,
    order_id: UUID,
    location: str,
    received_at: datetime,
    note: str | None,
    actor: UUID | None,
) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"""
        INSERT INTO inventory.receipts (id, user_id, order_id, location, received_at, note, actor)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        RETURNING {RECEIPT_COLUMNS}
        """,
        id,
        user_id,
        order_id,
        location,
        received_at,
        note,
        actor,
    )
    assert row is not None
    return dict(row)


async def get_receipt_for_update(
    tx: Connection, *, user_id: UUID, receipt_id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {RECEIPT_COLUMNS} FROM inventory.receipts WHERE user_id = $1 AND id = $2 "
        "FOR UPDATE",
        user_id,
        receipt_id,
    )
    return None if row is None else dict(row)


async def mark_reversed(
    tx: Connection, *, user_id: UUID, receipt_id: UUID, at: datetime
) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"UPDATE inventory.receipts SET reversed_at = $3 WHERE user_id = $1 AND id = $2 "
        f"RETURNING {RECEIPT_COLUMNS}",
        user_id,
        receipt_id,
        at,
    )
    assert row is not None
    return dict(row)


async def list_receipts(
    tx: Connection, *, user_id: UUID, order_id: UUID, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the order's receipts, oldest first, each with its lots (`lots`: list of
    dicts), and how many receipts the order has."""
    total = await tx.fetchval(
        "SELECT count(*) FROM inventory.receipts WHERE user_id = $1 AND order_id = $2",
        user_id,
        order_id,
    )
    receipts = await tx.fetch(
        f"SELECT {RECEIPT_COLUMNS} FROM inventory.receipts WHERE user_id = $1 AND order_id = $2 "
        "ORDER BY received_at, created_at, id LIMIT $3 OFFSET $4",
        user_id,
        order_id,
        limit,
        offset,
    )
    lots = await tx.fetch(
        "SELECT id, receipt_id, order_line_id, card_id, initial_qty, initial_value, "
        "remaining_qty, remaining_value FROM inventory.lots "
        "WHERE user_id = $1 AND receipt_id = ANY($2) ORDER BY received_at, id",
        user_id,
        [r["id"] for r in receipts],
    )
    by_receipt: dict[UUID, list[dict[str, Any]]] = {r["id"]: [] for r in receipts}
    for lot in lots:
        by_receipt[lot["receipt_id"]].append(dict(lot))
    return [{**dict(r), "lots": by_receipt[r["id"]]} for r in receipts], int(total)
