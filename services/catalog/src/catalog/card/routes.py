"""HTTP entry points of master cards: parse, call one service function, return."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from catalog.card import service
from catalog.card.repository import SORTABLE, CardFilter
from catalog.card.schemas import (
    CardCreate,
    CardDetail,
    CardRead,
    CardStatus,
    CardUpdate,
    SourceCreate,
    SourceRead,
)
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

StatusFilter = Annotated[
    list[CardStatus] | None,
    Query(description="Only cards in these statuses (repeat the parameter for several)."),
]
BrandFilter = Annotated[
    str | None, Query(max_length=200, description="Only this brand (case-insensitive).")
]
HasLinkFilter = Annotated[
    bool | None, Query(description="Only cards with (true) or without (false) a marketplace link.")
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CardDetail)
async def post_master_card(body: CardCreate, pool: DbPool, identity: CurrentIdentity) -> CardDetail:
    """Create a master card (SKU unique per tenant) with its sources and marketplace links."""
    return await service.create_card(pool=pool, identity=identity, data=body)


@router.get("", response_model=Page[CardRead])
async def list_master_cards(
    pool: DbPool,
    identity: CurrentIdentity,
    q: SearchQuery = None,
    status: StatusFilter = None,
    brand: BrandFilter = None,
    has_link: HasLinkFilter = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[CardRead]:
    """The tenant's cards: `q` searches SKU, title and brand, and matches a barcode exactly.
    Sort by sku, title, brand, status, created_at or updated_at."""
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
        where=CardFilter(statuses=tuple(status or ()), brand=brand, has_link=has_link),
    )


@router.get("/{card_id}", response_model=CardDetail)
async def get_master_card(card_id: UUID, pool: DbPool, identity: CurrentIdentity) -> CardDetail:
    """One card with its sources and links."""
    return await service.get_card(pool=pool, identity=identity, card_id=card_id)


@router.patch("/{card_id}", response_model=CardDetail)
async def patch_master_card(
    card_id: UUID, body: CardUpdate, pool: DbPool, identity: CurrentIdentity
) -> CardDetail:
    """Change a card: given fields replace, `attributes` merge (a null value removes a key),
    `barcodes` and `links` replace the lists."""
    return await service.update_card(pool=pool, identity=identity, card_id=card_id, data=body)


@router.delete("/{card_id}", response_model=CardDetail)
async def delete_master_card(card_id: UUID, pool: DbPool, identity: CurrentIdentity) -> CardDetail:
    """Archive the card (it keeps its history and can be made active again by PATCH)."""
    return await service.archive_card(pool=pool, identity=identity, card_id=card_id)


@router.post("/{card_id}/sources", status_code=status.HTTP_201_CREATED, response_model=SourceRead)
async def post_card_source(
    card_id: UUID, body: SourceCreate, pool: DbPool, identity: CurrentIdentity
) -> SourceRead:
    """Add a supplier (or competitor, reference) source with its price tiers."""
    return await service.add_source(pool=pool, identity=identity, card_id=card_id, data=body)


@router.delete("/{card_id}/sources/{source_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_card_source(
    card_id: UUID, source_id: UUID, pool: DbPool, identity: CurrentIdentity
) -> Response:
    """Remove a source from the card."""
    await service.delete_source(pool=pool, identity=identity, card_id=card_id, source_id=source_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
