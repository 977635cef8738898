"""Composition root of the inventory service."""

from __future__ import annotations

from fastapi import FastAPI

from inventory.adjustment.routes import router as adjustment_router
from inventory.costing.routes import router as costing_router
from inventory.events.handlers import HANDLERS
from inventory.receipt.routes import router as receipt_router
from inventory.settings import Settings
from inventory.stock.routes import router as stock_router
from inventory.supplier.routes import router as supplier_router
from inventory.supplier_order.routes import router as supplier_order_router
from inventory.valuation.routes import internal_router as valuation_router
from mpflow_platform.service import ServiceSpec, create_service_app

SERVICE = "inventory"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[
                stock_router,
                costing_router,
                receipt_router,
                adjustment_router,
                supplier_router,
                supplier_order_router,
                valuation_router,
            ],
            handlers=HANDLERS,
            description="Stock: supplier orders, landed cost, FIFO lots, ledger, logistics.",
        )
    )
