"""HTTP entry points of the stock views: overview, lots, movements, reconciliation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from inventory.ledger.repository import Location, MovementType
from inventory.stock import service
from inventory.stock.queries import (
    LOT_SORTABLE,
    MOVEMENT_SORTABLE,
    RECONCILIATION_SORTABLE,
    SORTABLE,
    MovementFilter,
)
from inventory.stock.schemas import LotRead, MovementRead, ReconciliationPage, StockRow
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
from mpflow_platform.http.problems import Unprocessable

router = APIRouter(prefix="/v1/admin/inventory", tags=["inventory"])

CardFilter = Annotated[UUID | None, Query(description="Only this card.")]
DateParam = Annotated[date | None, Query(description="YYYY-MM-DD (UTC), inclusive")]


@router.get("", response_model=Page[StockRow])
async def get_inventory(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[StockRow]:
    """Stock per card: quantity and value at FIFO cost, in total and per location.
    Sort by sku (default), title, quantity or value."""
    page = page_query(
        q=q, sort=sort, limit=limit, cursor=cursor, sortable=SORTABLE, default_sort="sku:asc"
    )
    return await service.overview(pool=pool, identity=identity, page=page)


@router.get("/lots", response_model=Page[LotRead])
async def list_lots(
    pool: DbPool,
    identity: CurrentIdentity,
    card_id: CardFilter = None,
    open: Annotated[bool, Query(description="Only lots with units left.")] = False,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[LotRead]:
    """FIFO lots, oldest first by default (sort received_at, created_at, remaining_qty)."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=LOT_SORTABLE,
        default_sort="received_at:asc",
    )
    return await service.list_lots(
        pool=pool, identity=identity, card_id=card_id, open_only=open, page=page
    )


@router.get("/movements", response_model=Page[MovementRead])
async def list_movements(
    pool: DbPool,
    identity: CurrentIdentity,
    card_id: CardFilter = None,
    location: Annotated[Location | None, Query(description="Only this location.")] = None,
    type: Annotated[MovementType | None, Query(description="Only this movement type.")] = None,
    ref_id: Annotated[UUID | None, Query(description="Only rows of this operation.")] = None,
    date_from: DateParam = None,
    date_to: DateParam = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[MovementRead]:
    """The stock ledger, newest first by default (sort occurred_at, created_at)."""
    if date_from and date_to and date_to < date_from:
        raise Unprocessable(
            "date_to is before date_from",
            error_code="invalid_date_range",
            invalid_params=[{"name": "date_to", "reason": "must not be before date_from"}],
        )
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=MOVEMENT_SORTABLE,
        default_sort="occurred_at:desc",
    )
    where = MovementFilter(
        card_id=card_id,
        location=location,
        type=type,
        ref_id=ref_id,
        occurred_from=_start_of(date_from),
        occurred_before=_start_of(_day_after(date_to)),
    )
    return await service.list_movements(pool=pool, identity=identity, where=where, page=page)


def _day_after(day: date | None) -> date | None:
    """The first day after `day`; None (no bound) after the last day a date can be."""
    return None if day is None or day == date.max else day + timedelta(days=1)


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


@router.get("/reconciliation", response_model=ReconciliationPage)
async def get_reconciliation(
    pool: DbPool,
    identity: CurrentIdentity,
    ok: Annotated[bool | None, Query(description="Only cards that (do not) reconcile.")] = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> ReconciliationPage:
    """Per card: Σ lot remaining vs Σ ledger quantity and Σ lot value vs Σ balance value."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=RECONCILIATION_SORTABLE,
        default_sort="sku:asc",
    )
    return await service.reconciliation(pool=pool, identity=identity, ok=ok, page=page)
