"""Composition root of the ozon service (its domain routers arrive with their issues)."""

from __future__ import annotations

from fastapi import FastAPI

from mpflow_platform.service import ServiceSpec, create_service_app
from ozon.settings import Settings

SERVICE = "ozon"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[],
            description=(
                "Ozon accounts, sync jobs, the rate-limited Seller API client, the Ozon sandbox."
            ),
        )
    )
