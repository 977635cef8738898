"""Request and response models of stock operations: initial balance, adjustments,
write-offs, stocktakes and transfers (money as decimal strings, API.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from inventory.ledger.repository import Location
from inventory.moments import Moment

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
UnitCost = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=4),
    PlainSerializer(lambda v: f"{v:.4f}", return_type=str),
]
Qty = Annotated[int, Field(ge=1, le=1_000_000_000)]
Text = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")]
WriteOffReason = Literal["damage", "loss", "marketplace_rejection", "other"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _unique_cards(lines: list[_CardLine]) -> list[_CardLine]:
    ids = [line.card_id for line in lines]
    if len(ids) != len(set(ids)):
        raise ValueError("each card may appear once")
    return lines


class _CardLine(_Input):
    card_id: UUID


class InitialBalanceLine(_Input):
    card_id: UUID
    qty: Qty
    unit_cost: UnitCost


class InitialBalanceCreate(_Input):
    """Stock that existed before OpenMPFlow: lots at the given unit costs (not a purchase)."""

    location: Location = "home"
    occurred_at: Moment | None = None
    lines: list[InitialBalanceLine] = Field(min_length=1, max_length=1000)


class AdjustmentCreate(_Input):
    """A signed correction at a location: + makes a lot (at `unit_cost`, default the card's
    average cost), − consumes FIFO and books a loss."""

    card_id: UUID
    location: Location = "home"
    qty: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
    unit_cost: UnitCost | None = None
    reason: Text

    @field_validator("qty")
    @classmethod
    def _not_zero(cls, qty: int) -> int:
        if qty == 0:
            raise ValueError("an adjustment changes stock: qty must not be 0")
        return qty

    @model_validator(mode="after")
    def _cost_only_for_additions(self) -> AdjustmentCreate:
        if self.unit_cost is not None and self.qty < 0:
            raise ValueError("unit_cost applies to + adjustments only (− ones are FIFO-costed)")
        return self


class WriteOffCreate(_Input):
    card_id: UUID
    location: Location = "home"
    qty: Qty
    reason: WriteOffReason
    note: Text | None = None


class StocktakeLine(_CardLine):
    counted_qty: Annotated[int, Field(ge=0, le=1_000_000_000)]
    unit_cost: UnitCost | None = None


class StocktakeCreate(_Input):
    """What was counted at a location; each difference becomes a + or − adjustment."""

    location: Location = "home"
    counted_at: Moment | None = None
    lines: list[StocktakeLine] = Field(min_length=1, max_length=5000)

    @field_validator("lines")
    @classmethod
    def _once_per_card(cls, lines: list[StocktakeLine]) -> list[StocktakeLine]:
        _unique_cards(list(lines))
        return lines


class TransferCreate(_Input):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    card_id: UUID
    from_location: Location = Field(alias="from")
    to_location: Location = Field(alias="to")
    qty: Qty

    @model_validator(mode="after")
    def _two_places(self) -> TransferCreate:
        if self.from_location == self.to_location:
            raise ValueError("from and to must be different locations")
        return self


class LotPart(BaseModel):
    """A lot created (+) or the part of a lot consumed (−) by an operation."""

    lot_id: UUID
    qty: int
    value: Money


class StockOperationRead(BaseModel):
    """An adjustment or write-off: signed quantity and value at cost, and the lots touched.
    `id` is the ledger reference (`movements.ref_id`)."""

    id: UUID
    type: Literal["adjustment", "write_off"]
    card_id: UUID
    location: str
    qty: int
    value: Money
    reason: str
    note: str | None = None
    occurred_at: datetime
    lots: list[LotPart]


class InitialBalanceRead(BaseModel):
    id: UUID
    location: str
    occurred_at: datetime
    value: Money
    lots: list[LotPart]
    card_ids: list[UUID]


class StocktakeLineRead(BaseModel):
    card_id: UUID
    expected_qty: int
    counted_qty: int
    difference: int
    value: Money


class StocktakeRead(BaseModel):
    """The count's report: per card expected (ledger at `counted_at`), counted, difference
    and the value booked (+ lot value, − FIFO cost)."""

    id: UUID
    location: str
    counted_at: datetime
    lines: list[StocktakeLineRead]
    value: Money


class TransferRead(BaseModel):
    id: UUID
    card_id: UUID
    from_location: str = Field(serialization_alias="from")
    to_location: str = Field(serialization_alias="to")
    qty: int
    value: Money
    occurred_at: datetime
