"""Response models of the stock views: overview, lots, the ledger and reconciliation
(money as decimal strings with 2 places, unit costs with 4; API.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, PlainSerializer

from mpflow_platform.http.pagination import Page

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
UnitCost = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str)]


class LocationStock(BaseModel):
    location: str
    qty: int
    value: Money


class StockRow(BaseModel):
    """One card's stock: total quantity and value (at FIFO cost), and per location (from
    the ledger balances; locations holding nothing are left out)."""

    card_id: UUID
    sku: str
    title: str
    quantity: int
    value: Money
    locations: list[LocationStock]


class LotRead(BaseModel):
    """A FIFO lot; `unit_cost` is its remaining value per remaining unit (initial when
    empty), 4 dp, for display."""

    id: UUID
    card_id: UUID
    sku: str
    title: str
    source: str
    receipt_id: UUID | None
    order_id: UUID | None
    order_line_id: UUID | None
    received_at: datetime
    initial_qty: int
    remaining_qty: int
    initial_value: Money
    remaining_value: Money
    unit_cost: UnitCost
    created_at: datetime


class MovementRead(BaseModel):
    """One immutable ledger row: signed quantity and value at a location."""

    id: UUID
    card_id: UUID
    sku: str
    location: str
    qty: int
    type: str
    ref_type: str
    ref_id: UUID
    lot_id: UUID | None
    unit_cost: UnitCost | None
    value: Money
    occurred_at: datetime
    actor: UUID | None
    reason: str | None = Field(None, description="Why: the reason code of the operation.")
    note: str | None = Field(None, description="The operator's note, when given.")
    created_at: datetime


class ReconciliationRow(BaseModel):
    """The stock invariant of one card (DOMAIN.md §6): Σ lot remaining = Σ ledger quantity
    (= Σ balance quantity), and Σ lot remaining value = Σ balance value."""

    card_id: UUID
    sku: str
    title: str
    lot_qty: int
    ledger_qty: int
    balance_qty: int
    qty_difference: int
    lot_value: Money
    balance_value: Money
    value_difference: Money
    ok: bool


class ReconciliationPage(Page[ReconciliationRow]):
    """A page of cards, and `ok`: whether every card of the tenant reconciles."""

    ok: bool
