"""HTTP entry point of accruals: the read-only list of P&L entries."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from finance.accrual.queries import SORTABLE, AccrualFilter, list_accruals
from finance.accrual.repository import AccrualKind, AccrualSource, FeeType
from finance.accrual.schemas import AccrualRead
from finance.report.period import DateFromParam, DateToParam, local_bounds
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    SearchQuery,
    SortParam,
    page_query,
)

router = APIRouter(prefix="/v1/admin/finance", tags=["finance"])


@router.get("/accruals", response_model=Page[AccrualRead])
async def get_accruals(
    request: Request,
    pool: DbPool,
    identity: CurrentIdentity,
    date_from: DateFromParam = None,
    date_to: DateToParam = None,
    kind: Annotated[AccrualKind | None, Query()] = None,
    fee_type: Annotated[FeeType | None, Query()] = None,
    card_id: Annotated[UUID | None, Query()] = None,
    sale_id: Annotated[UUID | None, Query()] = None,
    source: Annotated[AccrualSource | None, Query()] = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[AccrualRead]:
    """P&L entries (read-only), newest first by default (sort occurred_at or amount); dates
    are days in the tenant's time zone, inclusive; `q` searches description and source key."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=SORTABLE,
        default_sort="occurred_at:desc",
    )
    since, until = await local_bounds(request, identity, date_from, date_to)
    where = AccrualFilter(
        occurred_from=since,
        occurred_before=until,
        kind=kind,
        fee_type=fee_type,
        card_id=card_id,
        sale_id=sale_id,
        source=source,
    )
    return await list_accruals(pool=pool, identity=identity, where=where, page=page)
