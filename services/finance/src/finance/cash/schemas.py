"""Request and response models of cash: categories and transactions (money as decimal
strings with 2 places; API.md). PostgreSQL text cannot hold NUL, so strings are checked here
(422) rather than by the database."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from finance.cash.categories import Direction, PnlEffect
from finance.moments import Moment
from finance.money import Money

Amount = Annotated[
    Decimal,
    Field(gt=0, max_digits=14, decimal_places=2, description='Positive, 2 dp, e.g. "1500.00".'),
]
CategoryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$"),
    Field(description="Lower-case letters, digits and _, starting with a letter (2-40)."),
]
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=r"^[^\x00]*$")
]
#: A category code as given to a transaction (whether it exists is checked against the
#: tenant's categories); control characters (NUL among them) are refused.
CategoryRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$"),
    Field(description="A category of the same direction."),
]
SupplierOrderId = Annotated[
    UUID | None,
    Field(
        description="The supplier order (inventory's) a payment is for; finance does not check it."
    ),
]
SaleId = Annotated[
    UUID | None,
    Field(description="The tenant's sale the money is for; one it does not have is a 422."),
]
TransactionSource = Literal["manual", "ozon", "system"]


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CategoryCode
    name: Name
    direction: Direction
    pnl: PnlEffect = Field(
        description="`expense` or `income`: its transactions are also P&L entries; `none`: "
        "cash only."
    )


class CategoryRead(BaseModel):
    code: str
    name: str
    name_en: str
    direction: Direction
    pnl: PnlEffect
    system: bool = Field(description="Built in (the same for every tenant); cannot change.")


class CategoryList(BaseModel):
    items: list[CategoryRead]


class TransactionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_at: Moment | None = Field(None, description="When the money moved; now.")
    direction: Direction
    amount: Amount
    category: CategoryRef
    description: Text | None = None
    counterparty: Text | None = None
    supplier_order_id: SupplierOrderId = None
    sale_id: SaleId = None


class TransactionUpdate(BaseModel):
    """Fields to change; omitted ones stay; null clears description, counterparty and the
    links."""

    model_config = ConfigDict(extra="forbid")

    occurred_at: Moment | None = None
    direction: Direction | None = None
    amount: Amount | None = None
    category: CategoryRef | None = None
    description: Text | None = None
    counterparty: Text | None = None
    supplier_order_id: SupplierOrderId = None
    sale_id: SaleId = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> TransactionUpdate:
        required = {"occurred_at", "direction", "amount", "category"}
        nulls = [n for n in self.model_fields_set & required if getattr(self, n) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null: omit it to keep it")
        return self


class TransactionRead(BaseModel):
    id: UUID
    occurred_at: datetime
    direction: Direction
    amount: Money
    category: str
    category_name: str | None = Field(description="null for a category that was removed.")
    description: str | None
    counterparty: str | None
    source: TransactionSource
    external_id: str | None
    supplier_order_id: UUID | None
    sale_id: UUID | None
    editable: bool = Field(description="Only manual transactions change through the API.")
    created_by: UUID | None = Field(
        description="The account that recorded it; null for the system's."
    )
    created_at: datetime
    updated_at: datetime
