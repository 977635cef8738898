"""Read-only SQL of the COGS explanation (DOMAIN.md §4 "Explainable COGS"): a sale's lines,
their allocations, the lots and — for lots received on a supplier order — the order, its
line and every charge of the order with that line's basis and share."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection


async def sale_lines(tx: Connection, *, user_id: UUID, sale_id: UUID) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """
        SELECT s.id, s.card_id, c.sku, s.location, s.qty, s.qty_pending, s.qty_returned,
               s.status, s.occurred_at
        FROM inventory.sale_lines s
        JOIN inventory.cards c ON c.user_id = s.user_id AND c.card_id = s.card_id
        WHERE s.user_id = $1 AND s.sale_id = $2
        ORDER BY s.created_at, s.id
        """,
        user_id,
        sale_id,
    )
    return [dict(r) for r in rows]


async def allocations(
    tx: Connection, *, user_id: UUID, line_ids: list[UUID]
) -> list[dict[str, Any]]:
    """Allocations with their lot, and the lot's order and order line (None for lots not
    received on an order)."""
    rows = await tx.fetch(
        """
        SELECT a.id, a.sale_line_id, a.qty, a.cost,
               l.id AS lot_id, l.source, l.received_at, l.initial_qty, l.initial_value,
               l.receipt_id, ol.id AS order_line_id, ol.qty_ordered, ol.unit_price,
               ol.line_value_base, ol.landed_value, o.id AS order_id, o.number, o.currency,
               o.fx_rate, o.fx_rate_date
        FROM inventory.cogs_allocations a
        JOIN inventory.lots l ON l.user_id = a.user_id AND l.id = a.lot_id
        LEFT JOIN inventory.supplier_order_lines ol
               ON ol.user_id = l.user_id AND ol.id = l.order_line_id
        LEFT JOIN inventory.supplier_orders o ON o.user_id = ol.user_id AND o.id = ol.order_id
        WHERE a.user_id = $1 AND a.sale_line_id = ANY($2)
        ORDER BY a.created_at, a.id
        """,
        user_id,
        line_ids,
    )
    return [dict(r) for r in rows]


async def charges(
    tx: Connection, *, user_id: UUID, order_line_ids: list[UUID]
) -> list[dict[str, Any]]:
    """Every charge of the lines' orders, with each line's basis and share (NULL when the
    charge was not split onto that line)."""
    rows = await tx.fetch(
        """
        SELECT ol.id AS order_line_id, ch.id, ch.kind, ch.description, ch.method, ch.amount,
               ch.currency, ch.fx_rate, ch.amount_base, ch.after_receipt, ca.basis,
               ca.amount_base AS share
        FROM inventory.supplier_order_lines ol
        JOIN inventory.order_charges ch ON ch.user_id = ol.user_id AND ch.order_id = ol.order_id
        LEFT JOIN inventory.charge_allocations ca
               ON ca.user_id = ch.user_id AND ca.charge_id = ch.id AND ca.line_id = ol.id
        WHERE ol.user_id = $1 AND ol.id = ANY($2)
        ORDER BY ch.created_at, ch.id
        """,
        user_id,
        order_line_ids,
    )
    return [dict(r) for r in rows]


async def adjustments(
    tx: Connection, *, user_id: UUID, line_ids: list[UUID]
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """
        SELECT id, sale_line_id, allocation_id, reason, amount, source_id, occurred_at
        FROM inventory.cogs_adjustments
        WHERE user_id = $1 AND sale_line_id = ANY($2)
        ORDER BY occurred_at, id
        """,
        user_id,
        line_ids,
    )
    return [dict(r) for r in rows]
