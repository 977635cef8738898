"""HTTP entry points of the reports: parse, call one report function, return.

Periods are `date_from` / `date_to` (inclusive days in the tenant's time zone; default the
last 30 days ending today); a reversed range or one over 3 years is a 422.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from finance import clients
from finance.report import service, snapshot
from finance.report.period import Scope
from finance.report.queries import GroupBy
from finance.report.schemas import (
    Dashboard,
    DdsReport,
    PnlReport,
    StockValuationReport,
    UnitEconomicsReport,
)
from finance.tenant import tenant_settings
from mpflow_platform.http.deps import CurrentIdentity, DbPool

router = APIRouter(prefix="/v1/admin/reports", tags=["reports"])


@router.get("/pnl", response_model=PnlReport)
async def get_pnl(
    scope: Scope,
    pool: DbPool,
    identity: CurrentIdentity,
    group_by: Annotated[GroupBy, Query(description="day, week (from Monday) or month")] = "month",
    by_sku: Annotated[bool, Query(description="Add the sale-level lines per card.")] = False,
) -> PnlReport:
    """Profit and loss: revenue − returns − marketplace fees − other costs − COGS ±
    adjustments − losses − operating expenses + other income − tax = net profit; margin
    and ROI; per group and for the period."""
    return await service.pnl(
        pool=pool,
        identity=identity,
        settings=scope.settings,
        period=scope.period,
        group_by=group_by,
        by_sku=by_sku,
    )


@router.get("/dds", response_model=DdsReport)
async def get_dds(scope: Scope, pool: DbPool, identity: CurrentIdentity) -> DdsReport:
    """Cash flow (ДДС): opening balance, cash in / out per day with the closing balance, per
    category, totals."""
    return await service.dds(pool=pool, identity=identity, period=scope.period)


@router.get("/unit-economics", response_model=UnitEconomicsReport)
async def get_unit_economics(
    scope: Scope,
    pool: DbPool,
    identity: CurrentIdentity,
    allocate_account_charges: Annotated[
        bool, Query(description="Allocate charges of no card to cards by revenue share.")
    ] = False,
) -> UnitEconomicsReport:
    """Per card: units sold / returned, revenue, fees by type, COGS, profit per unit,
    margin, ROI; account-level marketplace charges apart."""
    return await service.unit_economics(
        pool=pool,
        identity=identity,
        period=scope.period,
        allocate_account_charges=allocate_account_charges,
    )


@router.get("/stock-valuation", response_model=StockValuationReport)
async def get_stock_valuation(
    request: Request, pool: DbPool, identity: CurrentIdentity
) -> StockValuationReport:
    """Stock now, per card and location: units, value at FIFO cost, unit cost, and value at
    the last sale price. It is always "now": date_from / date_to are ignored."""
    return await snapshot.stock_valuation(
        pool=pool, identity=identity, inventory=clients.inventory(request)
    )


@router.get("/dashboard", response_model=Dashboard)
async def get_dashboard(request: Request, pool: DbPool, identity: CurrentIdentity) -> Dashboard:
    """Tiles for today, 7 and 30 days (each beside the period before it) and stock value
    and unfilled COGS now. Periods end today: date_from / date_to are ignored."""
    settings = await tenant_settings(clients.auth(request), identity)
    return await snapshot.dashboard(
        pool=pool, identity=identity, settings=settings, inventory=clients.inventory(request)
    )
