"""Response models of unit costs."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field


class UnitCost(BaseModel):
    card_id: UUID
    qty: int = Field(description="Units left in the card's lots.")
    value: Decimal = Field(description="Their value at cost (base currency).")
    fifo_unit_cost: Decimal | None = Field(
        None, description="Cost of the next unit out: the oldest open lot's value per unit."
    )
    average_unit_cost: Decimal | None = Field(
        None, description="Value / units over every open lot."
    )


class UnitCosts(BaseModel):
    items: list[UnitCost]


class Availability(BaseModel):
    card_id: UUID
    location: str
    qty: int = Field(description="Units on hand at the location (ledger balance).")


class Availabilities(BaseModel):
    items: list[Availability]


class StockValue(BaseModel):
    card_id: UUID
    sku: str
    title: str
    location: str
    qty: int
    value: Decimal = Field(description="At FIFO cost, base currency.")


class StockValuation(BaseModel):
    items: list[StockValue]
