"""Internal endpoint: unit costs of cards (catalog's pricing reads it)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from inventory.valuation import service
from inventory.valuation.schemas import Availabilities, StockValuation, UnitCosts
from mpflow_platform.http.deps import CurrentIdentity, DbPool

MAX_CARDS = 500

internal_router = APIRouter(prefix="/internal", include_in_schema=False)


@internal_router.get("/unit-costs", response_model=UnitCosts)
async def get_unit_costs(
    pool: DbPool,
    identity: CurrentIdentity,
    card_id: Annotated[list[UUID], Query(max_length=MAX_CARDS)],
) -> UnitCosts:
    """Units, value and unit costs (FIFO next unit, average) of up to 500 cards."""
    return UnitCosts(items=await service.unit_costs(pool=pool, identity=identity, card_ids=card_id))


@internal_router.get("/availability", response_model=Availabilities)
async def get_availability(
    pool: DbPool,
    identity: CurrentIdentity,
    card_id: Annotated[list[UUID], Query(max_length=MAX_CARDS)],
) -> Availabilities:
    """Units on hand of up to 500 cards per location (finance's negative-stock check)."""
    return Availabilities(
        items=await service.availability(pool=pool, identity=identity, card_ids=card_id)
    )


@internal_router.get("/stock-valuation", response_model=StockValuation)
async def get_stock_valuation(pool: DbPool, identity: CurrentIdentity) -> StockValuation:
    """Units and value at cost of every card per location (finance's stock valuation)."""
    return StockValuation(items=await service.stock_valuation(pool=pool, identity=identity))
