"""HTTP entry points of master cards: parse, call one service function, return."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from catalog.card import service
from catalog.card.repository import SORTABLE
from catalog.card.schemas import CardCreate, CardRead
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

router = APIRouter(prefix="/v1/admin/master-cards", tags=["catalog"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CardRead)
async def post_master_card(body: CardCreate, pool: DbPool, identity: CurrentIdentity) -> CardRead:
    """Create a master card (SKU unique per tenant)."""
    return await service.create_card(pool=pool, identity=identity, data=body)


@router.get("", response_model=Page[CardRead])
async def list_master_cards(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[CardRead]:
    """The tenant's cards, searchable by SKU or title."""
    return await service.list_cards(
        pool=pool,
        identity=identity,
        page=page_query(
            q=q,
            sort=sort,
            limit=limit,
            cursor=cursor,
            sortable=SORTABLE,
            default_sort="created_at:desc",
        ),
    )


@router.get("/{card_id}", response_model=CardRead)
async def get_master_card(card_id: UUID, pool: DbPool, identity: CurrentIdentity) -> CardRead:
    """One card."""
    return await service.get_card(pool=pool, identity=identity, card_id=card_id)
