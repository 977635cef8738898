"""Responses of the COGS explanation (`GET /internal/sales/{sale_id}/cogs`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel


class ChargeShare(BaseModel):
    """A charge of the lot's order and what this order line took of it."""

    charge_id: UUID
    kind: str
    description: str | None
    method: str
    amount: Decimal
    currency: str
    fx_rate: Decimal
    amount_base: Decimal
    after_receipt: bool
    #: The line's basis in the split (value, qty, kg, l, 1, or manual amount); None when the
    #: charge has no allocation onto this line.
    basis: Decimal | None
    share: Decimal | None


class OrderLineRef(BaseModel):
    order_line_id: UUID
    qty_ordered: int
    unit_price: Decimal
    line_value_base: Decimal
    landed_value: Decimal
    charges: list[ChargeShare]


class OrderRef(BaseModel):
    order_id: UUID
    number: str
    currency: str
    fx_rate: Decimal
    fx_rate_date: date


class LotRef(BaseModel):
    lot_id: UUID
    source: str
    received_at: datetime
    initial_qty: int
    initial_value: Decimal
    receipt_id: UUID | None


class AllocationExplained(BaseModel):
    allocation_id: UUID
    qty: int
    cost: Decimal
    lot: LotRef
    order: OrderRef | None
    order_line: OrderLineRef | None


class AdjustmentRead(BaseModel):
    adjustment_id: UUID
    reason: str
    amount: Decimal
    allocation_id: UUID | None
    source_id: UUID | None
    occurred_at: datetime


class LineExplained(BaseModel):
    sale_line_id: UUID
    card_id: UUID
    sku: str
    location: str
    status: str
    qty: int
    qty_pending: int
    qty_returned: int
    #: Σ current allocation costs (adjustments included): the line's COGS now.
    cost: Decimal
    cogs_status: str
    allocations: list[AllocationExplained]
    adjustments: list[AdjustmentRead]


class SaleCogs(BaseModel):
    sale_id: UUID
    cost: Decimal
    lines: list[LineExplained]
