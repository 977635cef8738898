"""Read-only SQL of the stock views; scoped by user_id (and by RLS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import PageQuery, fetch_page

SORTABLE = {"sku": "c.sku", "title": "c.title", "quantity": "s.quantity", "value": "s.value"}
LOT_SORTABLE = {
    "received_at": "l.received_at",
    "created_at": "l.created_at",
    "remaining_qty": "l.remaining_qty",
}
MOVEMENT_SORTABLE = {"occurred_at": "m.occurred_at", "created_at": "m.created_at"}
RECONCILIATION_SORTABLE = {
    "sku": "r.sku",
    "title": "r.title",
    "qty_difference": "r.qty_difference",
    "value_difference": "r.value_difference",
}

_OVERVIEW = """inventory.cards c LEFT JOIN LATERAL (
    SELECT COALESCE(sum(b.qty), 0)::int AS quantity,
           COALESCE(sum(b.value), 0)::numeric(14,2) AS value,
           COALESCE(jsonb_agg(jsonb_build_object('location', b.location, 'qty', b.qty,
                                                 'value', b.value::text)
                              ORDER BY array_position(
                                  ARRAY['home', 'in_transit', 'marketplace:ozon'], b.location),
                                  b.location)
                    FILTER (WHERE b.qty <> 0 OR b.value <> 0), '[]'::jsonb) AS locations
    FROM inventory.balances b WHERE b.user_id = c.user_id AND b.card_id = c.card_id
) s ON true"""


async def list_stock(
    tx: Connection, *, user_id: UUID, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    """Active cards, and archived ones still holding stock, with their balances."""
    rows, total = await fetch_page(
        tx,
        columns="c.card_id, c.sku, c.title, s.quantity, s.value, s.locations",
        table=_OVERVIEW,
        where="c.user_id = $1 AND (c.status = 'active' OR s.quantity <> 0 OR s.value <> 0)",
        args=[user_id],
        search_columns=("c.sku", "c.title"),
        tie_breaker="c.card_id",
        page=page,
    )
    return [dict(r) for r in rows], total


async def list_lots(
    tx: Connection, *, user_id: UUID, card_id: UUID | None, open_only: bool, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    where, args = "l.user_id = $1", list[Any]([user_id])
    if card_id is not None:
        args.append(card_id)
        where += f" AND l.card_id = ${len(args)}"
    if open_only:
        where += " AND l.remaining_qty > 0"
    rows, total = await fetch_page(
        tx,
        columns=(
            "l.id, l.card_id, c.sku, c.title, l.source, l.receipt_id, ol.order_id, "
            "l.order_line_id, l.received_at, l.initial_qty, l.remaining_qty, l.initial_value, "
            "l.remaining_value, l.created_at, round(CASE WHEN l.remaining_qty > 0 "
            "THEN l.remaining_value / l.remaining_qty "
            "ELSE l.initial_value / l.initial_qty END, 4) AS unit_cost"
        ),
        table=(
            "inventory.lots l JOIN inventory.cards c "
            "ON c.user_id = l.user_id AND c.card_id = l.card_id "
            "LEFT JOIN inventory.supplier_order_lines ol "
            "ON ol.user_id = l.user_id AND ol.id = l.order_line_id"
        ),
        where=where,
        args=args,
        search_columns=("c.sku", "c.title"),
        tie_breaker="l.id",
        page=page,
    )
    return [dict(r) for r in rows], total


@dataclass(frozen=True)
class MovementFilter:
    card_id: UUID | None = None
    location: str | None = None
    type: str | None = None
    ref_id: UUID | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None


async def list_movements(
    tx: Connection, *, user_id: UUID, where: MovementFilter, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    sql, args = "m.user_id = $1", list[Any]([user_id])
    for column, op, value in (
        ("m.card_id", "=", where.card_id),
        ("m.location", "=", where.location),
        ("m.type", "=", where.type),
        ("m.ref_id", "=", where.ref_id),
        ("m.occurred_at", ">=", where.occurred_from),
        ("m.occurred_at", "<", where.occurred_before),
    ):
        if value is not None:
            args.append(value)
            sql += f" AND {column} {op} ${len(args)}"
    rows, total = await fetch_page(
        tx,
        columns=(
            "m.id, m.card_id, c.sku, m.location, m.qty, m.type, m.ref_type, m.ref_id, m.lot_id, "
            "m.unit_cost, m.value, m.occurred_at, m.actor, m.reason, m.note, m.created_at"
        ),
        table=(
            "inventory.movements m JOIN inventory.cards c "
            "ON c.user_id = m.user_id AND c.card_id = m.card_id"
        ),
        where=sql,
        args=args,
        search_columns=("c.sku", "c.title"),
        tie_breaker="m.id",
        page=page,
    )
    return [dict(r) for r in rows], total


# The invariant per card, computed in SQL over every lot, movement and balance of the tenant.
_RECONCILIATION = """(
    WITH l AS (
        SELECT card_id, sum(remaining_qty)::bigint AS qty, sum(remaining_value) AS value
        FROM inventory.lots WHERE user_id = $1 GROUP BY card_id
    ), m AS (
        SELECT card_id, sum(qty)::bigint AS qty FROM inventory.movements
        WHERE user_id = $1 GROUP BY card_id
    ), b AS (
        SELECT card_id, sum(qty)::bigint AS qty, sum(value) AS value FROM inventory.balances
        WHERE user_id = $1 GROUP BY card_id
    ), t AS (
        SELECT c.user_id, c.card_id, c.sku, c.title,
               COALESCE(l.qty, 0) AS lot_qty, COALESCE(m.qty, 0) AS ledger_qty,
               COALESCE(b.qty, 0) AS balance_qty,
               COALESCE(l.value, 0)::numeric(14,2) AS lot_value,
               COALESCE(b.value, 0)::numeric(14,2) AS balance_value
        FROM inventory.cards c
        LEFT JOIN l ON l.card_id = c.card_id
        LEFT JOIN m ON m.card_id = c.card_id
        LEFT JOIN b ON b.card_id = c.card_id
        WHERE c.user_id = $1
          AND (l.card_id IS NOT NULL OR m.card_id IS NOT NULL OR b.card_id IS NOT NULL)
    )
    SELECT t.*, t.lot_qty - t.ledger_qty AS qty_difference,
           t.lot_value - t.balance_value AS value_difference,
           (t.lot_qty = t.ledger_qty AND t.ledger_qty = t.balance_qty
            AND t.lot_value = t.balance_value) AS ok
    FROM t
) r"""


async def reconcile(
    tx: Connection, *, user_id: UUID, ok: bool | None, page: PageQuery
) -> tuple[list[dict[str, Any]], int, bool]:
    """A page of per-card invariants (optionally only ok / not ok cards), the total, and
    whether every card of the tenant reconciles."""
    where, args = "r.user_id = $1", list[Any]([user_id])
    if ok is not None:
        args.append(ok)
        where += f" AND r.ok = ${len(args)}"
    rows, total = await fetch_page(
        tx,
        columns=(
            "r.card_id, r.sku, r.title, r.lot_qty, r.ledger_qty, r.balance_qty, "
            "r.qty_difference, r.lot_value, r.balance_value, r.value_difference, r.ok"
        ),
        table=_RECONCILIATION,
        where=where,
        args=args,
        search_columns=("r.sku", "r.title"),
        tie_breaker="r.card_id",
        page=page,
    )
    all_ok = await tx.fetchval(
        f"SELECT COALESCE(bool_and(r.ok), true) FROM {_RECONCILIATION} WHERE r.user_id = $1",
        user_id,
    )
    return [dict(r) for r in rows], total, bool(all_ok)
