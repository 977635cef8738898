"""HTTP entry points of the stock overview."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from inventory.stock import service
from inventory.stock.queries import SORTABLE
from inventory.stock.schemas import StockRow
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, decode_cursor, parse_sort

router = APIRouter(prefix="/v1/admin/inventory", tags=["inventory"])


@router.get("", response_model=Page[StockRow])
async def get_inventory(
    pool: DbPool,
    identity: CurrentIdentity,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(description="field:asc|desc")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[StockRow]:
    """Stock per card (and per location once goods move)."""
    return await service.overview(
        pool=pool, identity=identity, q=q, sort=parse_sort(sort, SORTABLE, "sku:asc"),
        limit=limit, offset=decode_cursor(cursor),
    )
