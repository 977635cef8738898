"""HTTP entry points of stock operations: parse, call one service function, return."""

from __future__ import annotations

from fastapi import APIRouter, status

from inventory.adjustment import service
from inventory.adjustment.schemas import (
    AdjustmentCreate,
    InitialBalanceCreate,
    InitialBalanceRead,
    StockOperationRead,
    StocktakeCreate,
    StocktakeRead,
    TransferCreate,
    TransferRead,
    WriteOffCreate,
)
from mpflow_platform.http.deps import CurrentIdentity, DbPool

router = APIRouter(prefix="/v1/admin/inventory", tags=["inventory"])
CREATED = status.HTTP_201_CREATED


@router.post("/initial-balance", status_code=CREATED, response_model=InitialBalanceRead)
async def post_initial_balance(
    body: InitialBalanceCreate, pool: DbPool, identity: CurrentIdentity
) -> InitialBalanceRead:
    """Onboard existing stock as lots at given unit costs (not a purchase, not cash)."""
    return await service.initial_balance(pool=pool, identity=identity, data=body)


@router.post("/adjustments", status_code=CREATED, response_model=StockOperationRead)
async def post_adjustment(
    body: AdjustmentCreate, pool: DbPool, identity: CurrentIdentity
) -> StockOperationRead:
    """A signed correction: + a lot at unit_cost (default: average cost), − FIFO and a loss."""
    return await service.adjust(pool=pool, identity=identity, data=body)


@router.post("/write-offs", status_code=CREATED, response_model=StockOperationRead)
async def post_write_off(
    body: WriteOffCreate, pool: DbPool, identity: CurrentIdentity
) -> StockOperationRead:
    """Write off damaged, lost or marketplace-rejected units at their FIFO cost."""
    return await service.write_off(pool=pool, identity=identity, data=body)


@router.post("/stocktakes", status_code=CREATED, response_model=StocktakeRead)
async def post_stocktake(
    body: StocktakeCreate, pool: DbPool, identity: CurrentIdentity
) -> StocktakeRead:
    """Counted quantities at a location; differences are booked as + / − adjustments."""
    return await service.stocktake(pool=pool, identity=identity, data=body)


@router.post("/transfers", status_code=CREATED, response_model=TransferRead)
async def post_transfer(
    body: TransferCreate, pool: DbPool, identity: CurrentIdentity
) -> TransferRead:
    """Move units between locations with their value (the source location's average cost)."""
    return await service.transfer(pool=pool, identity=identity, data=body)
