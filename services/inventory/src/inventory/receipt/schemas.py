"""Request and response models of receipts (money as decimal strings, API.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from inventory.ledger.repository import Location
from inventory.moments import Moment

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
Qty = Annotated[int, Field(ge=1, le=1_000_000_000)]


class ReceiptLineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_line_id: UUID
    qty: Qty


class ReceiptCreate(BaseModel):
    """Units that arrived now; `close` settles what is still missing by the order's
    shortage policy and marks the order received."""

    model_config = ConfigDict(extra="forbid")

    received_at: Moment | None = None
    location: Location = "home"
    lines: list[ReceiptLineInput] = Field(default_factory=list, max_length=1000)
    close: bool = False
    note: str | None = Field(default=None, max_length=1000, pattern=r"^[^\x00]*$")


class UnreceiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_id: UUID


class ReceiptLot(BaseModel):
    lot_id: UUID
    order_line_id: UUID
    card_id: UUID
    qty: int
    value: Money
    remaining_qty: int
    remaining_value: Money


class ShortageRead(BaseModel):
    order_line_id: UUID
    card_id: UUID
    qty: int
    value: Money
    settled_by: Literal["redistribute", "write_off"]


class ReceiptRead(BaseModel):
    id: UUID
    order_id: UUID
    location: str
    received_at: datetime
    note: str | None
    actor: UUID | None
    created_at: datetime
    reversed_at: datetime | None
    value: Money
    lots: list[ReceiptLot]


class ReceiveResult(ReceiptRead):
    """The receipt, where the order stands now, and the shortages `close` settled."""

    order_status: str
    shortages: list[ShortageRead]


class UnreceiveResult(BaseModel):
    receipt: ReceiptRead
    order_status: str
