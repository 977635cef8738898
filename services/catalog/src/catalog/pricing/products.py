"""`GET /v1/admin/pricing/products`: the tenant's cards with what a unit costs now (FIFO,
from inventory) and their marketplace identity — the starting point of repricing."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from catalog.card import service as card_service
from catalog.card.repository import CardFilter
from catalog.card.schemas import LinkRead, PurchasePrice
from catalog.clients import inventory
from mpflow_platform.db import Pool
from mpflow_platform.http.deps import CurrentIdentity, DbPool
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient
from mpflow_platform.http.pagination import (
    DEFAULT_LIMIT,
    CursorParam,
    LimitParam,
    Page,
    PageQuery,
    SearchQuery,
    SortParam,
    page_query,
)

router = APIRouter(prefix="/v1/admin/pricing", tags=["pricing"])

SORTABLE = {"sku": "sku", "title": "lower(title)", "updated_at": "updated_at"}


class PricedProduct(BaseModel):
    card_id: UUID
    sku: str
    title: str
    status: str
    links: list[LinkRead]
    purchase_price: PurchasePrice | None = Field(description="The card's purchase price hint.")
    stock_qty: int = Field(description="Units in the card's FIFO lots.")
    stock_value: Decimal = Field(description="Their value at cost (base currency).")
    fifo_unit_cost: Decimal | None = Field(
        description="COGS of the next unit sold (the oldest open lot); null without stock."
    )
    average_unit_cost: Decimal | None
    marketplace_price: Decimal | None = Field(
        None, description="The current Ozon price, once prices are synced from Ozon."
    )


async def priced_products(
    *, pool: Pool, identity: Identity, client: InternalClient, page: PageQuery
) -> Page[PricedProduct]:
    """A page of the tenant's active and draft cards with their unit costs."""
    cards = await card_service.list_cards(
        pool=pool, identity=identity, page=page, where=CardFilter(statuses=("active", "draft"))
    )
    costs: dict[str, dict[str, Any]] = {}
    if cards.items:
        answer = await client.get_json(
            "/internal/unit-costs",
            identity=identity,
            params={"card_id": [str(card.id) for card in cards.items]},
        )
        costs = {item["card_id"]: item for item in answer["items"]}
    items = []
    for card in cards.items:
        cost = costs.get(str(card.id), {})
        items.append(
            PricedProduct(
                card_id=card.id,
                sku=card.sku,
                title=card.title,
                status=card.status,
                links=card.links,
                purchase_price=card.purchase_price,
                stock_qty=cost.get("qty", 0),
                stock_value=Decimal(cost.get("value", "0.00")),
                fifo_unit_cost=cost.get("fifo_unit_cost"),
                average_unit_cost=cost.get("average_unit_cost"),
            )
        )
    return Page[PricedProduct](items=items, total=cards.total, next_cursor=cards.next_cursor)


@router.get("/products", response_model=Page[PricedProduct])
async def list_priced_products(
    pool: DbPool,
    identity: CurrentIdentity,
    client: Annotated[InternalClient, Depends(inventory)],
    q: SearchQuery = None,
    sort: SortParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[PricedProduct]:
    """Active and draft cards with stock, FIFO and average unit cost (503 when inventory
    cannot be reached). `q` searches like the card list; sort by sku, title, updated_at."""
    page = page_query(
        q=q, sort=sort, limit=limit, cursor=cursor, sortable=SORTABLE, default_sort="sku"
    )
    return await priced_products(pool=pool, identity=identity, client=client, page=page)
