"""Read side of accruals: the filtered, paged list (read-only: accruals are never edited
through the API). Scoped by user_id (and RLS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from finance.accrual.schemas import AccrualRead
from finance.tenant import tenant_of
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, fetch_page, next_cursor

SORTABLE = {"occurred_at": "a.occurred_at", "amount": "a.amount"}
_COLUMNS = (
    "a.id, a.occurred_at, a.kind, a.fee_type, a.amount, a.qty, a.card_id, c.sku, a.sale_id, "
    "a.sale_line_id, a.category, a.source, a.source_key, a.description, a.created_at, "
    "a.updated_at"
)
_TABLE = (
    "finance.accruals a LEFT JOIN finance.cards c "
    "ON c.user_id = a.user_id AND c.card_id = a.card_id"
)


@dataclass(frozen=True)
class AccrualFilter:
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None
    kind: str | None = None
    fee_type: str | None = None
    card_id: UUID | None = None
    sale_id: UUID | None = None
    source: str | None = None


async def fetch_accruals(
    tx: Connection, *, user_id: UUID, where: AccrualFilter, page: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    sql, args = "a.user_id = $1", list[Any]([user_id])
    for column, op, value in (
        ("a.occurred_at", ">=", where.occurred_from),
        ("a.occurred_at", "<", where.occurred_before),
        ("a.kind", "=", where.kind),
        ("a.fee_type", "=", where.fee_type),
        ("a.card_id", "=", where.card_id),
        ("a.sale_id", "=", where.sale_id),
        ("a.source", "=", where.source),
    ):
        if value is not None:
            args.append(value)
            sql += f" AND {column} {op} ${len(args)}"
    rows, total = await fetch_page(
        tx,
        columns=_COLUMNS,
        table=_TABLE,
        where=sql,
        args=args,
        search_columns=("a.description", "a.source_key"),
        tie_breaker="a.id",
        page=page,
    )
    return [dict(r) for r in rows], total


async def list_accruals(
    *, pool: Pool, identity: Identity, where: AccrualFilter, page: PageQuery
) -> Page[AccrualRead]:
    """A page of the tenant's P&L entries (a read model: the view of the accruals table,
    cosmicpython's views.py)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await fetch_accruals(tx, user_id=tenant, where=where, page=page)
    return Page[AccrualRead](
        items=[AccrualRead.model_validate(r) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )
