"""Composition root of the catalog service."""

from __future__ import annotations

from fastapi import FastAPI

from catalog.card.routes import router as card_router
from catalog.card.transfer_routes import router as card_transfer_router
from catalog.clients import close_clients, open_clients
from catalog.pricing.products import router as pricing_products_router
from catalog.pricing.routes import router as pricing_router
from catalog.settings import Settings
from mpflow_platform.service import ServiceSpec, create_service_app

SERVICE = "catalog"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[card_transfer_router, card_router, pricing_router, pricing_products_router],
            on_startup=(open_clients,),
            on_shutdown=(close_clients,),
            description="Master cards (SKU) and everything describing a product.",
        )
    )
