"""Sales in and out: the use cases' inputs (`NewSale`, `NewReturn`: plain models the HTTP
routes and the Ozon intake both build) and the API's request and response models (money as
decimal strings with 2 places, API.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from finance.accrual.repository import FeeType
from finance.events.published import Location, Marketplace
from finance.moments import Moment
from finance.money import Money
from finance.sale.model import CogsStatus, fees_total, fits_money, line_revenue

MAX_LINES = 500

#: Money given by a client: ≥ 0, at most 2 decimal places, below 10^12.
MoneyIn = Annotated[
    Decimal, Field(ge=0, lt=Decimal(10) ** 12, decimal_places=2, allow_inf_nan=False)
]
Qty = Annotated[int, Field(ge=1, le=1_000_000)]
ExternalId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]
Note = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]
MarketplaceStatus = Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")]
ReturnKind = Literal["restock", "defect"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- use-case inputs ------------------------------------------------------------------------


class NewSaleLine(_Input):
    """One line as sold: fees (by type) and other costs are for the whole line; `location`
    is where the units leave from (None: the marketplace's default)."""

    card_id: UUID
    qty: Qty
    unit_price: MoneyIn
    fees: dict[FeeType, MoneyIn] = Field(default_factory=dict)
    other_costs: MoneyIn = Decimal("0.00")
    location: Location | None = None

    @model_validator(mode="after")
    def _storable(self) -> NewSaleLine:
        if not fits_money(line_revenue(self.qty, self.unit_price)):
            raise ValueError("qty × unit_price must be below 10^12")
        if not fits_money(fees_total(self.fees.values())):
            raise ValueError("the fees must add up to less than 10^12")
        return self


class NewSale(_Input):
    """A sale to record (`service.record_sale`). `cancelled`: a marketplace order first seen
    already cancelled (stored as cancelled: no accruals, no costing)."""

    marketplace: Marketplace
    external_id: ExternalId | None = None
    occurred_at: Moment
    marketplace_status: MarketplaceStatus | None = None
    cancelled: bool = False
    note: Note | None = None
    lines: list[NewSaleLine] = Field(min_length=1, max_length=MAX_LINES)


class NewReturnLine(_Input):
    line_id: UUID
    qty: Qty


def _unique_lines(lines: list[NewReturnLine]) -> list[NewReturnLine]:
    if len({line.line_id for line in lines}) != len(lines):
        raise ValueError("each sale line may appear once")
    return lines


ReturnLines = Annotated[
    list[NewReturnLine],
    Field(min_length=1, max_length=MAX_LINES),
    AfterValidator(_unique_lines),
]


class NewReturn(_Input):
    """A customer return to record (`service.return_sale`). `location` None: where the
    first returned line's units left from. `external_id` makes it idempotent per sale."""

    kind: ReturnKind
    location: Location | None = None
    occurred_at: Moment
    external_id: ExternalId | None = None
    created_by: UUID | None = None
    lines: Annotated[
        list[NewReturnLine],
        Field(min_length=1, max_length=MAX_LINES),
        AfterValidator(_unique_lines),
    ]


# --- requests -------------------------------------------------------------------------------


class SaleCreate(_Input):
    """A sale posted through the API (manual by default); `occurred_at` defaults to now."""

    marketplace: Marketplace = "manual"
    external_id: ExternalId | None = None
    occurred_at: Moment | None = None
    note: Note | None = None
    lines: list[NewSaleLine] = Field(min_length=1, max_length=MAX_LINES)

    def to_new_sale(self, now: datetime) -> NewSale:
        return NewSale(
            marketplace=self.marketplace,
            external_id=self.external_id,
            occurred_at=self.occurred_at or now,
            note=self.note,
            lines=self.lines,
        )


class SaleCancel(_Input):
    """When the sale was cancelled (default now): the date of the reversals."""

    occurred_at: Moment | None = None


class ReturnCreate(_Input):
    kind: ReturnKind
    location: Location | None = None
    occurred_at: Moment | None = None
    external_id: ExternalId | None = None
    lines: Annotated[
        list[NewReturnLine],
        Field(min_length=1, max_length=MAX_LINES),
        AfterValidator(_unique_lines),
    ]

    def to_new_return(self, now: datetime, created_by: UUID | None) -> NewReturn:
        return NewReturn(
            kind=self.kind,
            location=self.location,
            occurred_at=self.occurred_at or now,
            external_id=self.external_id,
            created_by=created_by,
            lines=self.lines,
        )


# --- responses ------------------------------------------------------------------------------


class SaleHeader(BaseModel):
    id: UUID
    marketplace: str
    external_id: str | None
    occurred_at: datetime
    status: Literal["active", "cancelled"]
    marketplace_status: str | None
    cogs_status: CogsStatus
    cancelled_at: datetime | None
    note: str | None
    created_at: datetime


class SaleListItem(SaleHeader):
    """A sale in a list, with its revenue (net of a cancellation) and profit, Σ of its
    accruals."""

    revenue: Money
    profit: Money


class SaleLineRead(BaseModel):
    """A line: money for the whole line. `cogs` is its COGS now (adjustments included);
    `profit` is Σ of the line's accruals: revenue − refunded − fees − other costs − COGS
    (0 once a cancellation has been reversed)."""

    id: UUID
    line_no: int
    card_id: UUID
    sku: str | None
    title: str | None
    qty: int
    location: str
    unit_price: Money
    revenue: Money
    fees: dict[str, Money]
    fees_total: Money
    other_costs: Money
    qty_costed: int
    qty_pending: int
    cogs: Money
    qty_returned: int
    refunded: Money
    profit: Money
    cogs_status: CogsStatus


class ReturnLineRead(BaseModel):
    line_id: UUID
    qty: int
    refund: Money


class ReturnRead(BaseModel):
    id: UUID
    sale_id: UUID
    kind: ReturnKind
    location: str
    occurred_at: datetime
    external_id: str | None
    created_at: datetime
    lines: list[ReturnLineRead]


class SaleTotals(BaseModel):
    """Σ of the sale's accruals by kind, as positive amounts except `profit`:
    profit = revenue − refunds − fees − other_costs − cogs (COGS adjustments included).
    A cancelled sale's reversals bring revenue, fees and other costs back to 0."""

    revenue: Money
    refunds: Money
    fees: Money
    other_costs: Money
    cogs: Money
    profit: Money


class SaleRead(SaleHeader):
    lines: list[SaleLineRead]
    returns: list[ReturnRead]
    totals: SaleTotals


class ReturnCreated(ReturnRead):
    """The return, and its sale as it is now (lines' returned units and refunds, totals)."""

    sale: SaleRead
