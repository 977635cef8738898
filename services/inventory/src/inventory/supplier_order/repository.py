"""SQL for supplier orders, their lines, charges and charge allocations; every statement is
scoped by user_id (row-level security checks it again). Takes a connection inside a tenant
transaction, never commits.

Lock order (the one of `inventory.lot.repository`, followed by every writer): the cards
concerned in ascending card_id → the order row (`get_order(..., lock=True)`) → its lines →
lots (FIFO) → sale lines. Edits, charges and receipts lock the order's cards before the
order. Creating or renumbering an order takes the tenant's numbering lock
(`lock_numbering`) after the cards (and the order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from mpflow_platform.db import Connection, update_row
from mpflow_platform.http.pagination import PageQuery, fetch_page, like_pattern

ORDER_COLUMNS = (
    "o.id, o.number, o.supplier_id, s.name AS supplier_name, o.currency, o.fx_rate, "
    "o.fx_rate_date, o.status, o.shortage_policy, o.ordered_at, o.expected_at, o.notes, "
    "o.version, o.created_at, o.updated_at, o.closed_at, o.cancelled_at"
)
ORDER_FROM = (
    "inventory.supplier_orders o JOIN inventory.suppliers s "
    "ON s.user_id = o.user_id AND s.id = o.supplier_id"
)
#: Columns an update may set; the names never come from input.
UPDATABLE = (
    "number",
    "supplier_id",
    "currency",
    "fx_rate",
    "fx_rate_date",
    "status",
    "shortage_policy",
    "ordered_at",
    "expected_at",
    "notes",
    "closed_at",
    "cancelled_at",
)
LINE_COLUMNS = (
    "l.id, l.line_no, l.card_id, c.sku, c.title, l.qty_ordered, l.unit_price, l.weight_kg, "
    "l.volume_l, l.qty_received, l.line_value_base, l.landed_value, l.value_received"
)
CHARGE_COLUMNS = (
    "id, kind, description, amount, currency, fx_rate, method, manual, amount_base, "
    "after_receipt, created_at"
)
SORTABLE = {
    "number": "o.number",
    "status": "o.status",
    "supplier_name": "lower(s.name)",
    "ordered_at": "o.ordered_at",
    "expected_at": "o.expected_at",
    "created_at": "o.created_at",
    "updated_at": "o.updated_at",
}
_LIST_COLUMNS = (
    ORDER_COLUMNS
    + ", t.line_count, t.qty_ordered, t.qty_received, t.goods_value_base, t.landed_value"
)
_LIST_FROM = (
    ORDER_FROM
    + """
    CROSS JOIN LATERAL (
        SELECT count(*)::int AS line_count,
               coalesce(sum(qty_ordered), 0)::int AS qty_ordered,
               coalesce(sum(qty_received), 0)::int AS qty_received,
               coalesce(sum(line_value_base), 0) AS goods_value_base,
               coalesce(sum(landed_value), 0) AS landed_value
        FROM inventory.supplier_order_lines l
        WHERE l.user_id = o.user_id AND l.order_id = o.id
    ) t"""
)


class NumberTaken(Exception):
    """Another order of the tenant has this number."""


@dataclass(frozen=True)
class OrderFilter:
    """What a list narrows by, besides the page's `q` (number or supplier name)."""

    statuses: Sequence[str] = ()
    supplier_id: UUID | None = None


# --- orders --------------------------------------------------------------------------------


async def get_order(
    tx: Connection, *, user_id: UUID, order_id: UUID, lock: bool = False
) -> dict[str, Any] | None:
    """The order with its supplier's name; `lock` takes the order row for the transaction."""
    row = await tx.fetchrow(
        f"SELECT {ORDER_COLUMNS} FROM {ORDER_FROM} WHERE o.user_id = $1 AND o.id = $2"
        + (" FOR UPDATE OF o" if lock else ""),
        user_id,
        order_id,
    )
    return None if row is None else dict(row)


#: Generated numbers have at most this many digits (PO-000001 … PO-999999999999).
GENERATED_DIGITS = 12


async def lock_numbering(tx: Connection, *, user_id: UUID) -> None:
    """Hold the tenant's order-numbering lock until the transaction ends. Every write of an
    order number takes it (generated or given), so a number is generated only while no
    other creation or renumbering of the tenant is between choosing and inserting one."""
    await tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('inventory.order_number:' || $1, 0))",
        str(user_id),
    )


async def next_generated_number(tx: Connection, *, user_id: UUID) -> int:
    """The sequence of the tenant's next generated number (call `lock_numbering` first): one
    more than the highest `PO-<digits>` of at most 12 digits, or, once that would exceed
    12 digits (a client gave such a number), the smallest free one. Any stored number whose
    digits equal the answer's would have been counted, so the generated number is free."""
    highest = await tx.fetchval(
        "SELECT max(substring(number FROM 4)::bigint) FROM inventory.supplier_orders "
        f"WHERE user_id = $1 AND number ~ '^PO-[0-9]{{1,{GENERATED_DIGITS}}}$'",
        user_id,
    )
    following = 1 if highest is None else int(highest) + 1
    if following < 10**GENERATED_DIGITS:
        return following
    free = await tx.fetchval(
        f"""
        WITH used AS (
            SELECT substring(number FROM 4)::bigint AS n FROM inventory.supplier_orders
            WHERE user_id = $1 AND number ~ '^PO-[0-9]{{1,{GENERATED_DIGITS}}}$'
            UNION ALL SELECT 0
        )
        SELECT min(u.n + 1) FROM used u
        WHERE u.n + 1 < $2 AND NOT EXISTS (SELECT 1 FROM used v WHERE v.n = u.n + 1)
        """,
        user_id,
        10**GENERATED_DIGITS,
    )
    if free is None:  # 10^12 orders: not reachable in practice
        raise NumberTaken
    return int(free)


async def insert_order(tx: Connection, *, values: dict[str, Any]) -> None:
    """Insert an order row. Raises NumberTaken."""
    names = list(values)
    try:
        await tx.execute(
            f"INSERT INTO inventory.supplier_orders ({', '.join(names)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))})",
            *values.values(),
        )
    except asyncpg.UniqueViolationError as exc:
        raise NumberTaken from exc


async def update_order(
    tx: Connection, *, user_id: UUID, order_id: UUID, changes: dict[str, Any]
) -> None:
    """Apply `changes` (keys of UPDATABLE) and bump the version. Raises NumberTaken."""
    try:
        await update_row(
            tx,
            table="inventory.supplier_orders",
            user_id=user_id,
            row_id=order_id,
            changes=changes,
            allowed=UPDATABLE,
            also="version = version + 1, updated_at = now()",
        )
    except asyncpg.UniqueViolationError as exc:
        raise NumberTaken from exc


async def delete_order(tx: Connection, *, user_id: UUID, order_id: UUID) -> None:
    """Delete an order with its charges (and their allocations) and lines."""
    for table in ("order_charges", "supplier_order_lines", "supplier_orders"):
        column = "id" if table == "supplier_orders" else "order_id"
        await tx.execute(
            f"DELETE FROM inventory.{table} WHERE user_id = $1 AND {column} = $2",
            user_id,
            order_id,
        )


def _filter_sql(user_id: UUID, page: PageQuery, where: OrderFilter) -> tuple[str, list[Any]]:
    sql, args = "o.user_id = $1", list[Any]([user_id])
    if page.q:
        args.append(like_pattern(page.q))
        sql += f" AND (o.number ILIKE ${len(args)} OR s.name ILIKE ${len(args)})"
    if where.statuses:
        args.append(list(where.statuses))
        sql += f" AND o.status = ANY(${len(args)})"
    if where.supplier_id is not None:
        args.append(where.supplier_id)
        sql += f" AND o.supplier_id = ${len(args)}"
    return sql, args


async def list_orders(
    tx: Connection, *, user_id: UUID, page: PageQuery, where: OrderFilter
) -> tuple[list[dict[str, Any]], int]:
    sql, args = _filter_sql(user_id, page, where)
    rows, total = await fetch_page(
        tx,
        columns=_LIST_COLUMNS,
        table=_LIST_FROM,
        where=sql,
        args=args,
        search_columns=(),
        tie_breaker="o.id",
        page=replace(page, q=None),
    )
    return [dict(r) for r in rows], total


# --- cards and lines -----------------------------------------------------------------------


async def get_cards(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]
) -> dict[UUID, dict[str, Any]]:
    """The tenant's cards (inventory's copy) with these ids, by id."""
    rows = await tx.fetch(
        "SELECT card_id, sku, title, status, length_mm, width_mm, height_mm, weight_g "
        "FROM inventory.cards WHERE user_id = $1 AND card_id = ANY($2)",
        user_id,
        list(set(card_ids)),
    )
    return {r["card_id"]: dict(r) for r in rows}


async def get_lines(tx: Connection, *, user_id: UUID, order_id: UUID) -> list[dict[str, Any]]:
    """The order's lines in line order, with their card's SKU and title."""
    rows = await tx.fetch(
        f"""
        SELECT {LINE_COLUMNS}
        FROM inventory.supplier_order_lines l
        JOIN inventory.cards c ON c.user_id = l.user_id AND c.card_id = l.card_id
        WHERE l.user_id = $1 AND l.order_id = $2
        ORDER BY l.line_no
        """,
        user_id,
        order_id,
    )
    return [dict(r) for r in rows]


async def insert_lines(
    tx: Connection, *, user_id: UUID, order_id: UUID, lines: Sequence[dict[str, Any]]
) -> None:
    """Insert lines given as {id, line_no, card_id, qty_ordered, unit_price, weight_kg,
    volume_l}; their values are set by `set_line_values`."""
    await tx.executemany(
        """
        INSERT INTO inventory.supplier_order_lines
            (id, user_id, order_id, line_no, card_id, qty_ordered, unit_price, weight_kg,
             volume_l)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        [
            (
                line["id"],
                user_id,
                order_id,
                line["line_no"],
                line["card_id"],
                line["qty_ordered"],
                line["unit_price"],
                line["weight_kg"],
                line["volume_l"],
            )
            for line in lines
        ],
    )


async def update_lines(
    tx: Connection, *, user_id: UUID, order_id: UUID, lines: Sequence[dict[str, Any]]
) -> None:
    """Rewrite kept lines (same keys as `insert_lines`). Line numbers move in two steps, out
    of the way first, because (order_id, line_no) is unique at every row."""
    if not lines:
        return
    await tx.execute(
        "UPDATE inventory.supplier_order_lines SET line_no = line_no + 1000000 "
        "WHERE user_id = $1 AND order_id = $2 AND id = ANY($3)",
        user_id,
        order_id,
        [line["id"] for line in lines],
    )
    await tx.executemany(
        """
        UPDATE inventory.supplier_order_lines
        SET line_no = $3, card_id = $4, qty_ordered = $5, unit_price = $6, weight_kg = $7,
            volume_l = $8
        WHERE user_id = $1 AND id = $2
        """,
        [
            (
                user_id,
                line["id"],
                line["line_no"],
                line["card_id"],
                line["qty_ordered"],
                line["unit_price"],
                line["weight_kg"],
                line["volume_l"],
            )
            for line in lines
        ],
    )


async def delete_lines(tx: Connection, *, user_id: UUID, line_ids: Sequence[UUID]) -> None:
    """Delete lines (their charge allocations go with them)."""
    if line_ids:
        await tx.execute(
            "DELETE FROM inventory.supplier_order_lines WHERE user_id = $1 AND id = ANY($2)",
            user_id,
            list(line_ids),
        )


async def set_line_values(
    tx: Connection, *, user_id: UUID, values: Sequence[tuple[UUID, Decimal, Decimal]]
) -> None:
    """Store (line id, line_value_base, landed_value) computed by `costing.landed`."""
    await tx.executemany(
        "UPDATE inventory.supplier_order_lines SET line_value_base = $3, landed_value = $4 "
        "WHERE user_id = $1 AND id = $2",
        [(user_id, line_id, value, landed) for line_id, value, landed in values],
    )


async def update_line_received(
    tx: Connection, *, user_id: UUID, line_id: UUID, qty_received: int, value_received: Decimal
) -> None:
    """Store a line's received units and the Σ initial value of its lots (for receipts)."""
    await tx.execute(
        "UPDATE inventory.supplier_order_lines SET qty_received = $3, value_received = $4 "
        "WHERE user_id = $1 AND id = $2",
        user_id,
        line_id,
        qty_received,
        value_received,
    )


# --- charges and allocations ---------------------------------------------------------------


async def get_charges(tx: Connection, *, user_id: UUID, order_id: UUID) -> list[dict[str, Any]]:
    """The order's charges in the order they were added."""
    rows = await tx.fetch(
        f"SELECT {CHARGE_COLUMNS} FROM inventory.order_charges "
        "WHERE user_id = $1 AND order_id = $2 ORDER BY created_at, id",
        user_id,
        order_id,
    )
    return [dict(r) for r in rows]


async def insert_charge(tx: Connection, *, values: dict[str, Any]) -> None:
    names = list(values)
    await tx.execute(
        f"INSERT INTO inventory.order_charges ({', '.join(names)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(names) + 1))})",
        *values.values(),
    )


async def set_charge_amounts(
    tx: Connection, *, user_id: UUID, amounts: Sequence[tuple[UUID, Decimal]]
) -> None:
    """Store (charge id, amount_base)."""
    await tx.executemany(
        "UPDATE inventory.order_charges SET amount_base = $3 WHERE user_id = $1 AND id = $2",
        [(user_id, charge_id, amount) for charge_id, amount in amounts],
    )


async def delete_allocations(tx: Connection, *, user_id: UUID, charge_ids: Sequence[UUID]) -> None:
    if charge_ids:
        await tx.execute(
            "DELETE FROM inventory.charge_allocations WHERE user_id = $1 AND charge_id = ANY($2)",
            user_id,
            list(charge_ids),
        )


async def insert_allocations(
    tx: Connection, *, user_id: UUID, rows: Sequence[tuple[UUID, UUID, Decimal, Decimal]]
) -> None:
    """Insert (charge id, line id, basis, amount_base) rows."""
    await tx.executemany(
        "INSERT INTO inventory.charge_allocations (user_id, charge_id, line_id, basis, "
        "amount_base) VALUES ($1, $2, $3, $4, $5)",
        [(user_id, *row) for row in rows],
    )


async def get_allocations(tx: Connection, *, user_id: UUID, order_id: UUID) -> list[dict[str, Any]]:
    """Every stored share of the order's charges: charge_id, line_id, basis, amount_base."""
    rows = await tx.fetch(
        """
        SELECT a.charge_id, a.line_id, a.basis, a.amount_base
        FROM inventory.charge_allocations a
        JOIN inventory.order_charges ch ON ch.user_id = a.user_id AND ch.id = a.charge_id
        WHERE a.user_id = $1 AND ch.order_id = $2
        """,
        user_id,
        order_id,
    )
    return [dict(r) for r in rows]
