"""Request and response models of supplier orders and their charges.

JSON conventions (API.md): money as decimal strings with 2 places ("12500.00"), unit prices
with at least 2, unit costs with 4, rates/weights/volumes/bases as plain decimal strings
("12.5"), quantities as integers. Bounds keep every value inside its column, so bad input is
a 422, never a database error.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

from inventory.costing.landed import Method
from inventory.supplier.schemas import Currency, Notes
from inventory.supplier_order.model import BASE_CURRENCY, Status, UserStatus

MAX_LINES = 500
MAX_QTY = 1_000_000

ChargeKind = Literal["freight", "customs", "packaging", "agent_fee", "insurance", "other"]
ShortagePolicy = Literal["redistribute", "write_off"]

Qty = Annotated[int, Field(gt=0, le=MAX_QTY, description="units (integer pieces)")]
UnitPrice = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False, description="per unit"),
]
FxRate = Annotated[
    Decimal,
    Field(
        gt=0,
        max_digits=18,
        decimal_places=8,
        allow_inf_nan=False,
        description="units of base currency per unit of this currency",
    ),
]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
OrderNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^[^\x00]*$")
]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _price(value: Decimal) -> str:
    text = _plain(value)
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


Money = Annotated[Decimal, PlainSerializer(_money, return_type=str)]
Price = Annotated[Decimal, PlainSerializer(_price, return_type=str)]
Plain = Annotated[Decimal, PlainSerializer(_plain, return_type=str)]
UnitCost = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str)]


# --- requests ------------------------------------------------------------------------------


class LineCreate(BaseModel):
    """A line: card, units, unit price in the order currency. Weight and volume are taken
    from the card when the line is added."""

    model_config = ConfigDict(extra="forbid")

    card_id: UUID
    qty: Qty
    unit_price: UnitPrice


class LineReplace(LineCreate):
    """A line of a replacement: with `id`, that existing line is kept (and keeps its
    snapshots unless its card changes); without, a new line is added."""

    id: UUID | None = None


class _OrderFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supplier_id: UUID
    currency: Currency | None = Field(None, description="default: the supplier's currency")
    fx_rate: FxRate
    fx_rate_date: date
    number: OrderNumber | None = Field(None, description="default: generated, PO-000001")
    ordered_at: date | None = None
    expected_at: date | None = None
    notes: Notes | None = None
    shortage_policy: ShortagePolicy = "redistribute"

    @model_validator(mode="after")
    def _dates(self) -> _OrderFields:
        if self.ordered_at and self.expected_at and self.expected_at < self.ordered_at:
            raise ValueError("expected_at cannot be before ordered_at")
        return self


class OrderCreate(_OrderFields):
    lines: list[LineCreate] = Field(min_length=1, max_length=MAX_LINES)


class OrderReplace(_OrderFields):
    """The whole header and every line of a draft (`number` omitted keeps the current one)."""

    lines: list[LineReplace] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _unique_line_ids(self) -> OrderReplace:
        ids = [line.id for line in self.lines if line.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("a line id appears twice in lines")
        return self


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UserStatus


class ChargeCreate(BaseModel):
    """A charge of the order in its own currency, split over the lines by `method`;
    `manual` maps line ids to amounts in the charge's currency (method manual only)."""

    model_config = ConfigDict(extra="forbid")

    kind: ChargeKind
    description: Description | None = None
    amount: Amount
    currency: Currency = BASE_CURRENCY
    fx_rate: FxRate | None = Field(None, description="required unless currency is the base")
    method: Method
    manual: dict[UUID, Amount] | None = Field(None, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _manual_iff_method(self) -> ChargeCreate:
        if self.method == "manual" and self.manual is None:
            raise ValueError("method manual needs manual: {line id: amount}")
        if self.method != "manual" and self.manual is not None:
            raise ValueError(f"manual amounts are only for method manual, not {self.method}")
        return self


# --- responses -----------------------------------------------------------------------------


class LineRead(BaseModel):
    id: UUID
    line_no: int
    card_id: UUID
    sku: str
    title: str
    qty_ordered: int
    unit_price: Price
    weight_kg: Plain | None
    volume_l: Plain | None
    qty_received: int
    line_value: Price = Field(description="qty × unit price, in the order currency")
    line_value_base: Money
    landed_value: Money
    landed_unit_cost: UnitCost
    value_received: Money


class ChargeRead(BaseModel):
    id: UUID
    kind: ChargeKind
    description: str | None
    amount: Money
    currency: str
    fx_rate: Plain
    method: Method
    manual: dict[UUID, Money] | None
    amount_base: Money
    after_receipt: bool
    created_at: datetime


class ShareRead(BaseModel):
    """One line's share of a charge and the basis it was split on."""

    line_id: UUID
    line_no: int
    sku: str
    basis: Plain
    amount_base: Money


class ChargeCreated(ChargeRead):
    allocation: list[ShareRead]


class OrderTotals(BaseModel):
    qty_ordered: int
    qty_received: int
    goods_value: Price = Field(description="Σ qty × unit price, in the order currency")
    goods_value_base: Money
    charges_base: Money
    landed_value: Money


class OrderSummary(BaseModel):
    id: UUID
    number: str
    supplier_id: UUID
    supplier_name: str
    status: Status
    currency: str
    fx_rate: Plain
    fx_rate_date: date
    ordered_at: date | None
    expected_at: date | None
    shortage_policy: ShortagePolicy
    line_count: int
    qty_ordered: int
    qty_received: int
    goods_value_base: Money
    landed_value: Money
    created_at: datetime
    updated_at: datetime


class OrderRead(BaseModel):
    id: UUID
    number: str
    supplier_id: UUID
    supplier_name: str
    status: Status
    currency: str
    fx_rate: Plain
    fx_rate_date: date
    base_currency: str
    ordered_at: date | None
    expected_at: date | None
    notes: str | None
    shortage_policy: ShortagePolicy
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    cancelled_at: datetime | None
    lines: list[LineRead]
    charges: list[ChargeRead]
    totals: OrderTotals


class ExplainShare(BaseModel):
    charge_id: UUID
    kind: ChargeKind
    method: Method
    basis: Plain
    amount_base: Money


class ExplainLine(BaseModel):
    line_id: UUID
    line_no: int
    card_id: UUID
    sku: str
    qty_ordered: int
    unit_price: Price
    weight_kg: Plain | None
    volume_l: Plain | None
    line_value_base: Money
    shares: list[ExplainShare]
    charges_base: Money
    landed_value: Money
    landed_unit_cost: UnitCost


class ExplainCharge(BaseModel):
    charge_id: UUID
    kind: ChargeKind
    description: str | None
    method: Method
    amount: Money
    currency: str
    fx_rate: Plain
    amount_base: Money
    basis_total: Plain
    after_receipt: bool


class AllocationRead(BaseModel):
    """How the order's landed cost is made: per line each charge's basis and share, and per
    charge its total in base and the total of its basis (share = amount_base × basis /
    basis_total, largest remainder in kopecks)."""

    order_id: UUID
    number: str
    currency: str
    fx_rate: Plain
    base_currency: str
    lines: list[ExplainLine]
    charges: list[ExplainCharge]
    totals: OrderTotals
