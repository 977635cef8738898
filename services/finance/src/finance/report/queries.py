"""Read-only SQL of the reports: every sum is computed here (GROUP BY), over a tenant's
period given as UTC bounds so the `(user_id, occurred_at)` indexes serve the scan; days are
the tenant's: local midnights computed once (zoneinfo) and used as width_bucket thresholds,
or `AT TIME ZONE tz` for the small cash table. Python receives aggregated rows only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby
from typing import Any, Literal
from uuid import UUID

from finance.report.model import SALE_KINDS, SumRow
from mpflow_platform.db import Connection

GroupBy = Literal["day", "week", "month"]
#: `grouping_set` of pnl_sums' rows: one group, or the whole period.
SET_GROUP, SET_TOTAL = 0, 1

#: The P&L statement: $1 tenant, $2-$3 the period's UTC bounds, $4 the UTC instants the
#: groups begin at (the tenant's local midnights). The heavy part is one plain (parallel)
#: hash aggregation of the period's rows; width_bucket over the group starts is a binary
#: search, far cheaper per row than AT TIME ZONE (bench/finance_reports.py: 1.5 s against
#: 0.8 s for a year of 4M rows). The period totals are a grouping set over the few
#: aggregated rows, never over the accruals again.
PNL_SQL = """
    WITH s AS (
        SELECT width_bucket(occurred_at, $4::timestamptz[]) AS grp, kind, fee_type,
               sum(amount) AS amount, sum(qty) AS qty
        FROM finance.accruals
        WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY 1, 2, 3
    )
    SELECT grp, kind, fee_type, sum(amount) AS amount, sum(qty)::bigint AS qty,
           GROUPING(grp) AS grouping_set
    FROM s
    GROUP BY GROUPING SETS ((grp, kind, fee_type), (kind, fee_type))
"""


async def pnl_sums(
    tx: Connection,
    *,
    user_id: UUID,
    start: datetime,
    end: datetime,
    group_starts: Sequence[datetime],
) -> list[dict[str, Any]]:
    """Σ amount and Σ qty by kind and fee type: per group (`grp` = 1-based index into
    `group_starts`; `grouping_set` SET_GROUP) and for the whole period (SET_TOTAL)."""
    rows = await tx.fetch(PNL_SQL, user_id, start, end, list(group_starts))
    return [dict(r) for r in rows]


async def category_sums(
    tx: Connection,
    *,
    user_id: UUID,
    start: datetime,
    end: datetime,
    group_starts: Sequence[datetime],
) -> list[dict[str, Any]]:
    """Operating expenses and other income by category: per group (`grp` as in pnl_sums,
    `grouping_set` 0) and for the period (1). Served by the partial index
    `accruals_pnl_category_idx`."""
    rows = await tx.fetch(
        """
        SELECT grp, kind, category, sum(amount) AS amount, GROUPING(grp) AS grouping_set
        FROM (
            SELECT width_bucket(occurred_at, $4::timestamptz[]) AS grp, kind, category, amount
            FROM finance.accruals
            WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
              AND kind IN ('expense', 'income')
        ) a
        GROUP BY GROUPING SETS ((grp, kind, category), (kind, category))
        """,
        user_id,
        start,
        end,
        list(group_starts),
    )
    return [dict(r) for r in rows]


#: Per card, kind and fee type: Σ amount and Σ qty of the period ($1 tenant, $2-$3 its UTC
#: bounds). It is the plain per-card aggregate itself: no `kind IN (…)` filter, which tests
#: every accrual row (+10-30 % on a year of 4M rows, bench/finance_reports.py) while the
#: few aggregated rows of other kinds are dropped in Python for free. The ORDER BY is needed
#: (the caller groups consecutive rows by card; card_id NULL, the account-level entries,
#: last); on the plans measured it is the order the parallel aggregation's final step
#: already produces, so it costs only a sort of the few aggregated rows.
CARD_SQL = """
    SELECT card_id, kind, fee_type, sum(amount) AS amount, sum(qty) AS qty
    FROM finance.accruals
    WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
    GROUP BY card_id, kind, fee_type
    ORDER BY card_id, kind, fee_type
"""


async def card_sums(
    tx: Connection, *, user_id: UUID, start: datetime, end: datetime
) -> dict[UUID | None, list[SumRow]]:
    """Σ amount and Σ qty of the sale-level kinds (model.SALE_KINDS) per kind and fee type,
    by card; key None holds the account-level entries (of no card). Cards with no
    sale-level entry in the period are absent."""
    rows = await tx.fetch(CARD_SQL, user_id, start, end)
    per_card: dict[UUID | None, list[SumRow]] = {}
    for card_id, group in groupby(rows, key=_card_of):
        sums = [
            SumRow(r["kind"], r["fee_type"], r["amount"], r["qty"])
            for r in group
            if r["kind"] in SALE_KINDS
        ]
        if sums:
            per_card[card_id] = sums
    return per_card


def _card_of(row: Any) -> UUID | None:
    card_id: UUID | None = row["card_id"]
    return card_id


async def cards(tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]) -> dict[UUID, Any]:
    """SKU and title of the cards (finance's copy of catalog), by id."""
    rows = await tx.fetch(
        "SELECT card_id, sku, title FROM finance.cards WHERE user_id = $1 AND card_id = ANY($2)",
        user_id,
        list(card_ids),
    )
    return {r["card_id"]: r for r in rows}


# --- cash flow -------------------------------------------------------------------------------


async def cash_balance_before(tx: Connection, *, user_id: UUID, before: datetime) -> Decimal:
    """Σ in − Σ out of every transaction before `before`."""
    value = await tx.fetchval(
        "SELECT COALESCE(sum(CASE WHEN direction = 'in' THEN amount ELSE -amount END), 0) "
        "FROM finance.transactions WHERE user_id = $1 AND occurred_at < $2",
        user_id,
        before,
    )
    return Decimal(value)


async def cash_days(
    tx: Connection,
    *,
    user_id: UUID,
    start: datetime,
    end: datetime,
    timezone: str,
    first: date,
    last: date,
    opening: Decimal,
) -> list[dict[str, Any]]:
    """Every local day of the period: cash in, out, net and the closing balance."""
    rows = await tx.fetch(
        """
        WITH d AS (
            SELECT (occurred_at AT TIME ZONE $4)::date AS day,
                   COALESCE(sum(amount) FILTER (WHERE direction = 'in'), 0) AS cash_in,
                   COALESCE(sum(amount) FILTER (WHERE direction = 'out'), 0) AS cash_out
            FROM finance.transactions
            WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
            GROUP BY 1
        )
        SELECT g.day::date AS day, COALESCE(d.cash_in, 0) AS cash_in,
               COALESCE(d.cash_out, 0) AS cash_out,
               COALESCE(d.cash_in, 0) - COALESCE(d.cash_out, 0) AS net,
               $7::numeric + sum(COALESCE(d.cash_in, 0) - COALESCE(d.cash_out, 0))
                   OVER (ORDER BY g.day) AS closing
        FROM generate_series($5::date, $6::date, interval '1 day') AS g(day)
        LEFT JOIN d ON d.day = g.day::date
        ORDER BY g.day
        """,
        user_id,
        start,
        end,
        timezone,
        first,
        last,
        opening,
    )
    return [dict(r) for r in rows]


async def cash_by_category(
    tx: Connection, *, user_id: UUID, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Σ amount per direction and category, and per direction (`category` NULL, set 1)."""
    rows = await tx.fetch(
        """
        SELECT direction, category, sum(amount) AS amount, GROUPING(category) AS grouping_set
        FROM finance.transactions
        WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY GROUPING SETS ((direction, category), (direction))
        ORDER BY direction, sum(amount) DESC, category
        """,
        user_id,
        start,
        end,
    )
    return [dict(r) for r in rows]


# --- stock valuation and dashboard -----------------------------------------------------------


async def last_sale_prices(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]
) -> dict[UUID, Decimal]:
    """Per card: the unit price of its latest sale line that was not cancelled."""
    rows = await tx.fetch(
        """
        SELECT DISTINCT ON (l.card_id) l.card_id, l.unit_price
        FROM finance.sale_lines l
        JOIN finance.sales s ON s.user_id = l.user_id AND s.id = l.sale_id
        WHERE l.user_id = $1 AND l.card_id = ANY($2) AND s.status <> 'cancelled'
        ORDER BY l.card_id, s.occurred_at DESC, s.id DESC, l.line_no DESC
        """,
        user_id,
        list(card_ids),
    )
    return {r["card_id"]: r["unit_price"] for r in rows}


async def window_accruals(
    tx: Connection,
    *,
    user_id: UUID,
    names: Sequence[str],
    starts: Sequence[datetime],
    ends: Sequence[datetime],
) -> dict[str, Any]:
    """Per window: net revenue (revenue + refunds), profit before tax (Σ amount but stored
    tax) and units returned."""
    rows = await tx.fetch(
        """
        SELECT w.name,
               COALESCE(sum(a.amount) FILTER (WHERE a.kind IN ('revenue', 'refund')), 0)
                   AS revenue,
               COALESCE(sum(a.amount) FILTER (WHERE a.kind <> 'tax'), 0) AS profit,
               COALESCE(sum(a.qty) FILTER (WHERE a.kind = 'refund'), 0)::bigint AS returns
        FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(name, since, until)
        LEFT JOIN finance.accruals a
               ON a.user_id = $1 AND a.occurred_at >= w.since AND a.occurred_at < w.until
        GROUP BY w.name
        """,
        user_id,
        list(names),
        list(starts),
        list(ends),
    )
    return {r["name"]: r for r in rows}


async def window_sales(
    tx: Connection,
    *,
    user_id: UUID,
    names: Sequence[str],
    starts: Sequence[datetime],
    ends: Sequence[datetime],
) -> tuple[dict[str, int], int]:
    """Per window the sales not cancelled; and the sales whose COGS is not filled yet
    (pending or partial)."""
    rows = await tx.fetch(
        """
        SELECT w.name, count(s.id) AS orders,
               (SELECT count(*) FROM finance.sales u
                WHERE u.user_id = $1 AND u.cogs_status IN ('pending', 'partial')) AS unfilled
        FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(name, since, until)
        LEFT JOIN finance.sales s
               ON s.user_id = $1 AND s.occurred_at >= w.since AND s.occurred_at < w.until
              AND s.status <> 'cancelled'
        GROUP BY w.name
        """,
        user_id,
        list(names),
        list(starts),
        list(ends),
    )
    unfilled = int(rows[0]["unfilled"]) if rows else 0
    return {r["name"]: int(r["orders"]) for r in rows}, unfilled
