"""Response models of the stock overview."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, field_serializer


class LocationStock(BaseModel):
    location: str
    quantity: int
    value: Decimal

    @field_serializer("value")
    def _money(self, value: Decimal) -> str:
        return f"{value:.2f}"


class StockRow(BaseModel):
    """One card's stock: total quantity and value (at FIFO cost), and per location."""

    card_id: UUID
    sku: str
    title: str
    quantity: int
    value: Decimal
    locations: list[LocationStock]

    @field_serializer("value")
    def _money(self, value: Decimal) -> str:
        return f"{value:.2f}"
