"""Composition root of the finance service."""

from __future__ import annotations

from fastapi import FastAPI

from finance.accrual.routes import router as accrual_router
from finance.cash.routes import router as cash_router
from finance.clients import close_clients, open_clients
from finance.events.handlers import HANDLERS
from finance.intake.routes import router as intake_router
from finance.report.routes import router as report_router
from finance.sale.routes import router as sale_router
from finance.settings import Settings
from mpflow_platform.service import ServiceSpec, create_service_app

SERVICE = "finance"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[sale_router, cash_router, accrual_router, report_router, intake_router],
            handlers=HANDLERS,
            on_startup=(open_clients,),
            on_shutdown=(close_clients,),
            description=(
                "Sales with COGS and profit, cash transactions, accruals, and reports "
                "(P&L, cash flow, unit economics, stock valuation, dashboard)."
            ),
        )
    )
