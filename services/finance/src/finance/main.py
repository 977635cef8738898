"""Composition root of the finance service (its domain routers arrive with their issues)."""

from __future__ import annotations

from fastapi import FastAPI

from finance.settings import Settings
from mpflow_platform.service import ServiceSpec, create_service_app

SERVICE = "finance"


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name=SERVICE,
            settings=settings or Settings(),
            routers=[],
            description=(
                "Sales with COGS and profit, cash transactions, accruals, and reports "
                "(P&L, cash flow, unit economics)."
            ),
        )
    )
