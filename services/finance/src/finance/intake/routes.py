"""HTTP entry point of the marketplace intake: what waits for a card (operators link the
missing SKUs or offer ids to a card, and the parked data is taken)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from finance.intake.parked import ParkedKind
from finance.intake.queries import SORTABLE, list_parked
from finance.intake.schemas import ParkedRead
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

router = APIRouter(prefix="/v1/admin/finance/intake", tags=["finance"])


@router.get("/parked", response_model=Page[ParkedRead])
async def get_parked(
    pool: DbPool,
    identity: CurrentIdentity,
    kind: Annotated[ParkedKind | None, Query(description="Only this kind.")] = None,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ParkedRead]:
    """Marketplace data finance parked because a product is linked to no card (an Ozon
    posting waits whole, nothing of it is booked): the reason, the missing Ozon SKUs and
    offer ids, the posting's products. A card linking one of them takes it and it leaves
    this list. Newest first by default (sort created_at or updated_at); `q` searches the
    posting number and the reason."""
    page = page_query(
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        sortable=SORTABLE,
        default_sort="created_at:desc",
    )
    return await list_parked(pool=pool, identity=identity, kind=kind, page=page)
