"""SQL that writes sales, their lines and returns (and the COGS columns inventory's events
fill in). Every statement is scoped by user_id (row-level security checks it again); takes
a connection inside a tenant transaction, never commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection


@dataclass(frozen=True)
class LineRow:
    """A sale line to insert (money for the whole line)."""

    id: UUID
    line_no: int
    card_id: UUID
    qty: int
    location: str
    unit_price: Decimal
    revenue: Decimal
    fees: dict[str, str]
    fees_total: Decimal
    other_costs: Decimal


async def find_sale_id(
    tx: Connection, *, user_id: UUID, marketplace: str, external_id: str
) -> UUID | None:
    found: UUID | None = await tx.fetchval(
        "SELECT id FROM finance.sales WHERE user_id = $1 AND marketplace = $2 AND external_id = $3",
        user_id,
        marketplace,
        external_id,
    )
    return found


async def known_cards(tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]) -> set[UUID]:
    """Which of `card_ids` finance holds a copy of."""
    rows = await tx.fetch(
        "SELECT card_id FROM finance.cards WHERE user_id = $1 AND card_id = ANY($2::uuid[])",
        user_id,
        list(set(card_ids)),
    )
    return {r["card_id"] for r in rows}


async def insert_sale(tx: Connection, *, values: dict[str, Any]) -> bool:
    """Insert the sale unless its (marketplace, external_id) is taken (waiting for a
    concurrent insert of the same one to settle); whether it was inserted."""
    inserted = await tx.fetchval(
        """
        INSERT INTO finance.sales (id, user_id, marketplace, external_id, occurred_at, status,
                                   marketplace_status, cogs_status, cancelled_at, note, source,
                                   created_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (user_id, marketplace, external_id) WHERE external_id IS NOT NULL
        DO NOTHING
        RETURNING id
        """,
        values["id"],
        values["user_id"],
        values["marketplace"],
        values["external_id"],
        values["occurred_at"],
        values["status"],
        values["marketplace_status"],
        values["cogs_status"],
        values["cancelled_at"],
        values["note"],
        values["source"],
        values["created_by"],
    )
    return inserted is not None


async def insert_lines(
    tx: Connection, *, user_id: UUID, sale_id: UUID, lines: Sequence[LineRow]
) -> None:
    await tx.execute(
        """
        INSERT INTO finance.sale_lines (id, user_id, sale_id, line_no, card_id, qty, location,
                                        unit_price, revenue, fees, fees_total, other_costs)
        SELECT l.id, $1, $2, l.line_no, l.card_id, l.qty, l.location, l.unit_price, l.revenue,
               l.fees::jsonb, l.fees_total, l.other_costs
        FROM unnest($3::uuid[], $4::int[], $5::uuid[], $6::int[], $7::text[], $8::numeric[],
                    $9::numeric[], $10::text[], $11::numeric[], $12::numeric[])
             AS l(id, line_no, card_id, qty, location, unit_price, revenue, fees, fees_total,
                  other_costs)
        """,
        user_id,
        sale_id,
        [ln.id for ln in lines],
        [ln.line_no for ln in lines],
        [ln.card_id for ln in lines],
        [ln.qty for ln in lines],
        [ln.location for ln in lines],
        [ln.unit_price for ln in lines],
        [ln.revenue for ln in lines],
        [_json(ln.fees) for ln in lines],
        [ln.fees_total for ln in lines],
        [ln.other_costs for ln in lines],
    )


def _json(fees: dict[str, str]) -> str:
    return json.dumps(fees)


async def get_sale_for_update(
    tx: Connection, *, user_id: UUID, sale_id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT id, marketplace, external_id, occurred_at, status, cogs_status "
        "FROM finance.sales WHERE user_id = $1 AND id = $2 FOR UPDATE",
        user_id,
        sale_id,
    )
    return None if row is None else dict(row)


async def lock_sales(tx: Connection, *, user_id: UUID, sale_ids: Sequence[UUID]) -> None:
    """Lock the sales' rows in ascending id: the first step of every writer of sales and
    their lines (the lock order: sales by id, then their lines), so the API's cancellations
    and returns and the COGS consumers never deadlock."""
    await tx.execute(
        "SELECT 1 FROM finance.sales WHERE user_id = $1 AND id = ANY($2::uuid[]) "
        "ORDER BY id FOR UPDATE",
        user_id,
        sorted(set(sale_ids)),
    )


async def get_lines_for_update(
    tx: Connection, *, user_id: UUID, sale_id: UUID
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        "SELECT id, line_no, card_id, qty, location, revenue, fees, other_costs, qty_returned, "
        "refunded FROM finance.sale_lines WHERE user_id = $1 AND sale_id = $2 "
        "ORDER BY line_no FOR UPDATE",
        user_id,
        sale_id,
    )
    return [dict(r) for r in rows]


async def has_returns(tx: Connection, *, user_id: UUID, sale_id: UUID) -> bool:
    return bool(
        await tx.fetchval(
            "SELECT EXISTS (SELECT 1 FROM finance.sale_returns WHERE user_id = $1 "
            "AND sale_id = $2)",
            user_id,
            sale_id,
        )
    )


async def mark_cancelled(
    tx: Connection, *, user_id: UUID, sale_id: UUID, occurred_at: datetime
) -> None:
    await tx.execute(
        "UPDATE finance.sales SET status = 'cancelled', cogs_status = 'cancelled', "
        "cancelled_at = $3, updated_at = now() WHERE user_id = $1 AND id = $2",
        user_id,
        sale_id,
        occurred_at,
    )


async def set_marketplace_status(
    tx: Connection, *, user_id: UUID, sale_id: UUID, status: str
) -> bool:
    """Whether the sale exists (the status is written only when it changes)."""
    row = await tx.fetchrow(
        "UPDATE finance.sales SET marketplace_status = $3, "
        "updated_at = CASE WHEN marketplace_status IS DISTINCT FROM $3 THEN now() "
        "ELSE updated_at END WHERE user_id = $1 AND id = $2 RETURNING id",
        user_id,
        sale_id,
        status,
    )
    return row is not None


async def find_return_id(
    tx: Connection, *, user_id: UUID, sale_id: UUID, external_id: str
) -> UUID | None:
    found: UUID | None = await tx.fetchval(
        "SELECT id FROM finance.sale_returns WHERE user_id = $1 AND sale_id = $2 "
        "AND external_id = $3",
        user_id,
        sale_id,
        external_id,
    )
    return found


async def insert_return(tx: Connection, *, values: dict[str, Any]) -> None:
    await tx.execute(
        "INSERT INTO finance.sale_returns (id, user_id, sale_id, kind, location, occurred_at, "
        "external_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        values["id"],
        values["user_id"],
        values["sale_id"],
        values["kind"],
        values["location"],
        values["occurred_at"],
        values["external_id"],
        values["created_by"],
    )


async def insert_return_lines(
    tx: Connection, *, user_id: UUID, return_id: UUID, lines: Sequence[tuple[UUID, int, Decimal]]
) -> None:
    """`(line_id, qty, refund)` per returned line; also adds them to the lines' returned
    units and refunded revenue."""
    ids, qtys, refunds = [ln[0] for ln in lines], [ln[1] for ln in lines], [ln[2] for ln in lines]
    await tx.execute(
        "INSERT INTO finance.sale_return_lines (return_id, line_id, user_id, qty, refund) "
        "SELECT $2, r.line_id, $1, r.qty, r.refund "
        "FROM unnest($3::uuid[], $4::int[], $5::numeric[]) AS r(line_id, qty, refund)",
        user_id,
        return_id,
        ids,
        qtys,
        refunds,
    )
    await tx.execute(
        "UPDATE finance.sale_lines l SET qty_returned = l.qty_returned + r.qty, "
        "refunded = l.refunded + r.refund "
        "FROM unnest($2::uuid[], $3::int[], $4::numeric[]) AS r(line_id, qty, refund) "
        "WHERE l.user_id = $1 AND l.id = r.line_id",
        user_id,
        ids,
        qtys,
        refunds,
    )


# --- COGS from inventory's events ----------------------------------------------------------


async def lines_by_id(
    tx: Connection, *, user_id: UUID, line_ids: Sequence[UUID]
) -> dict[UUID, dict[str, Any]]:
    """The lines finance knows among `line_ids` (locked): id -> sale_id, card_id, costed."""
    rows = await tx.fetch(
        "SELECT id, sale_id, card_id, costed FROM finance.sale_lines "
        "WHERE user_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
        user_id,
        list(set(line_ids)),
    )
    return {r["id"]: dict(r) for r in rows}


async def existing_keys(tx: Connection, *, user_id: UUID, keys: Sequence[str]) -> set[str]:
    """Which of the accrual keys are written already."""
    rows = await tx.fetch(
        "SELECT source_key FROM finance.accruals WHERE user_id = $1 "
        "AND source_key = ANY($2::text[])",
        user_id,
        list(keys),
    )
    return {r["source_key"] for r in rows}


async def set_allocated(
    tx: Connection, *, user_id: UUID, lines: Sequence[tuple[UUID, int, int, Decimal]]
) -> None:
    """First costing of lines not costed yet: `(line_id, qty_costed, qty_pending, cogs)`."""
    await tx.execute(
        "UPDATE finance.sale_lines l SET costed = true, qty_costed = c.qty_costed, "
        "qty_pending = c.qty_pending, cogs = c.cogs "
        "FROM unnest($2::uuid[], $3::int[], $4::int[], $5::numeric[]) "
        "AS c(line_id, qty_costed, qty_pending, cogs) "
        "WHERE l.user_id = $1 AND l.id = c.line_id AND NOT l.costed",
        user_id,
        [ln[0] for ln in lines],
        [ln[1] for ln in lines],
        [ln[2] for ln in lines],
        [ln[3] for ln in lines],
    )


async def add_adjusted(
    tx: Connection, *, user_id: UUID, lines: Sequence[tuple[UUID, int, int, Decimal]]
) -> None:
    """A COGS adjustment of lines: `(line_id, qty_filled, qty_pending after, amount)`."""
    await tx.execute(
        "UPDATE finance.sale_lines l SET qty_costed = l.qty_costed + c.qty_filled, "
        "qty_pending = c.qty_pending, cogs = l.cogs + c.amount "
        "FROM unnest($2::uuid[], $3::int[], $4::int[], $5::numeric[]) "
        "AS c(line_id, qty_filled, qty_pending, amount) "
        "WHERE l.user_id = $1 AND l.id = c.line_id",
        user_id,
        [ln[0] for ln in lines],
        [ln[1] for ln in lines],
        [ln[2] for ln in lines],
        [ln[3] for ln in lines],
    )


async def refresh_cogs_status(tx: Connection, *, user_id: UUID, sale_ids: Sequence[UUID]) -> None:
    """Recompute the COGS status of active sales from their lines (model.cogs_status)."""
    await tx.execute(
        """
        UPDATE finance.sales s
        SET cogs_status = CASE WHEN NOT l.all_costed THEN 'pending'
                               WHEN l.any_pending THEN 'partial' ELSE 'costed' END,
            updated_at = now()
        FROM (SELECT sale_id, bool_and(costed) AS all_costed,
                     bool_or(qty_pending > 0) AS any_pending
              FROM finance.sale_lines WHERE user_id = $1 AND sale_id = ANY($2::uuid[])
              GROUP BY sale_id) l
        WHERE s.user_id = $1 AND s.id = l.sale_id AND s.status = 'active'
          AND s.cogs_status IS DISTINCT FROM
              CASE WHEN NOT l.all_costed THEN 'pending'
                   WHEN l.any_pending THEN 'partial' ELSE 'costed' END
        """,
        user_id,
        list(set(sale_ids)),
    )
