"""Composition root of the inventory service."""

from __future__ import annotations

from fastapi import FastAPI

from inventory.events.handlers import HANDLERS
from inventory.settings import Settings
from inventory.stock.routes import router as stock_router
from inventory.valuation.routes import internal_router as valuation_router
from mpflow_platform.service import ServiceSpec, create_service_app

SERVICE = "inventory"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[stock_router, valuation_router],
            handlers=HANDLERS,
            description="Stock: supplier orders, landed cost, FIFO lots, ledger, logistics.",
        )
    )
