"""HTTP entry points of the stock overview."""

from __future__ import annotations

from fastapi import APIRouter

from inventory.stock import service
from inventory.stock.queries import SORTABLE
from inventory.stock.schemas import StockRow
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

router = APIRouter(prefix="/v1/admin/inventory", tags=["inventory"])


@router.get("", response_model=Page[StockRow])
async def get_inventory(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[StockRow]:
    """Stock per card (and per location once goods move)."""
    return await service.overview(
        pool=pool,
        identity=identity,
        page=page_query(
            q=q,
            sort=sort,
            limit=limit,
            cursor=cursor,
            sortable=SORTABLE,
            default_sort="sku:asc",
        ),
    )
