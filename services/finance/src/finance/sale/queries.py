"""Read-only SQL of sales: the list, one sale with its lines, returns and totals. Totals and
profits are sums of the sale's accruals, computed in SQL; scoped by user_id (and by RLS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from mpflow_platform.db import Connection
from mpflow_platform.http.pagination import PageQuery, fetch_page

SORTABLE = {"occurred_at": "s.occurred_at", "created_at": "s.created_at"}
HEADER = (
    "s.id, s.marketplace, s.external_id, s.occurred_at, s.status, s.marketplace_status, "
    "s.cogs_status, s.cancelled_at, s.note, s.created_at"
)
_WITH_TOTALS = """finance.sales s LEFT JOIN LATERAL (
    SELECT COALESCE(sum(a.amount) FILTER (WHERE a.kind = 'revenue'), 0) AS revenue,
           COALESCE(sum(a.amount), 0) AS profit
    FROM finance.accruals a WHERE a.user_id = s.user_id AND a.sale_id = s.id
) t ON true"""


@dataclass(frozen=True)
class SaleFilter:
    marketplace: str | None = None
    status: str | None = None
    cogs_status: str | None = None
    card_id: UUID | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None


async def list_sales(
    tx: Connection, *, user_id: UUID, where: SaleFilter, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    """A page of sales with revenue and profit; `q` searches external id and note."""
    sql, args = "s.user_id = $1", list[Any]([user_id])
    for column, op, value in (
        ("s.marketplace", "=", where.marketplace),
        ("s.status", "=", where.status),
        ("s.cogs_status", "=", where.cogs_status),
        ("s.occurred_at", ">=", where.occurred_from),
        ("s.occurred_at", "<", where.occurred_before),
    ):
        if value is not None:
            args.append(value)
            sql += f" AND {column} {op} ${len(args)}"
    if where.card_id is not None:
        args.append(where.card_id)
        sql += (
            " AND EXISTS (SELECT 1 FROM finance.sale_lines l WHERE l.user_id = s.user_id "
            f"AND l.sale_id = s.id AND l.card_id = ${len(args)})"
        )
    rows, total = await fetch_page(
        tx,
        columns=f"{HEADER}, t.revenue, t.profit",
        table=_WITH_TOTALS,
        where=sql,
        args=args,
        search_columns=("s.external_id", "s.note"),
        tie_breaker="s.id",
        page=page,
    )
    return [dict(r) for r in rows], total


async def get_header(tx: Connection, *, user_id: UUID, sale_id: UUID) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {HEADER} FROM finance.sales s WHERE s.user_id = $1 AND s.id = $2",
        user_id,
        sale_id,
    )
    return None if row is None else dict(row)


async def get_lines(tx: Connection, *, user_id: UUID, sale_id: UUID) -> list[dict[str, Any]]:
    """The sale's lines with SKU and title, and profit = Σ of each line's accruals."""
    rows = await tx.fetch(
        """
        SELECT l.id, l.line_no, l.card_id, c.sku, c.title, l.qty, l.location, l.unit_price,
               l.revenue, l.fees, l.fees_total, l.other_costs, l.costed, l.qty_costed,
               l.qty_pending, l.cogs, l.qty_returned, l.refunded,
               COALESCE((SELECT sum(a.amount) FROM finance.accruals a
                         WHERE a.user_id = l.user_id AND a.sale_id = l.sale_id
                           AND a.sale_line_id = l.id), 0) AS profit
        FROM finance.sale_lines l
        LEFT JOIN finance.cards c ON c.user_id = l.user_id AND c.card_id = l.card_id
        WHERE l.user_id = $1 AND l.sale_id = $2
        ORDER BY l.line_no
        """,
        user_id,
        sale_id,
    )
    return [dict(r) for r in rows]


async def get_returns(tx: Connection, *, user_id: UUID, sale_id: UUID) -> list[dict[str, Any]]:
    """The sale's returns, oldest first, each with its lines."""
    rows = await tx.fetch(
        """
        SELECT r.id, r.sale_id, r.kind, r.location, r.occurred_at, r.external_id, r.created_at,
               COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                    'line_id', rl.line_id, 'qty', rl.qty,
                                    'refund', rl.refund::text) ORDER BY l.line_no)
                         FROM finance.sale_return_lines rl
                         JOIN finance.sale_lines l ON l.user_id = rl.user_id AND l.id = rl.line_id
                         WHERE rl.user_id = r.user_id AND rl.return_id = r.id),
                        '[]'::jsonb) AS lines
        FROM finance.sale_returns r
        WHERE r.user_id = $1 AND r.sale_id = $2
        ORDER BY r.occurred_at, r.created_at, r.id
        """,
        user_id,
        sale_id,
    )
    return [dict(r) for r in rows]


async def get_totals(tx: Connection, *, user_id: UUID, sale_id: UUID) -> dict[str, Any]:
    """Σ of the sale's accruals by kind (costs as positive amounts) and profit (Σ of all)."""
    row = await tx.fetchrow(
        """
        SELECT COALESCE(sum(amount) FILTER (WHERE kind = 'revenue'), 0) AS revenue,
               -COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS refunds,
               -COALESCE(sum(amount) FILTER (WHERE kind = 'fee'), 0) AS fees,
               -COALESCE(sum(amount) FILTER (WHERE kind = 'other_cost'), 0) AS other_costs,
               -COALESCE(sum(amount) FILTER (WHERE kind IN ('cogs', 'cogs_adjustment')), 0)
                   AS cogs,
               COALESCE(sum(amount), 0) AS profit
        FROM finance.accruals WHERE user_id = $1 AND sale_id = $2
        """,
        user_id,
        sale_id,
    )
    assert row is not None
    return dict(row)


async def get_return_header(tx: Connection, *, user_id: UUID, return_id: UUID) -> UUID | None:
    """The sale a return belongs to."""
    found: UUID | None = await tx.fetchval(
        "SELECT sale_id FROM finance.sale_returns WHERE user_id = $1 AND id = $2",
        user_id,
        return_id,
    )
    return found
