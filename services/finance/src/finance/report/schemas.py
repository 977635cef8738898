"""Response models of the reports. Money as decimal strings with 2 places, percentages as
decimal strings with 2 places (null when their base is 0), unit costs with 4 places."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, PlainSerializer

from finance.money import Money, Percent

UnitCost = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.4f}", return_type=str)]


class ReportPeriod(BaseModel):
    date_from: date
    date_to: date
    timezone: str = Field(description="The tenant's time zone the days are taken in.")


# --- P&L -------------------------------------------------------------------------------------


class SaleFigures(BaseModel):
    """The sale-level P&L lines; costs are positive numbers."""

    revenue: Money = Field(description="Σ revenue (cancellations subtract).")
    returns: Money = Field(description="Refunds to customers.")
    net_revenue: Money
    fees: dict[str, Money] = Field(description="Marketplace fees by type.")
    fees_total: Money
    other_costs: Money
    cogs: Money = Field(description="Cost of the goods sold (FIFO).")
    cogs_adjustments: Money = Field(description="+ more COGS (late costs), − reversals.")
    losses: Money
    gross_profit: Money
    units_sold: int
    units_returned: int


class CategoryAmount(BaseModel):
    category: str
    name: str | None
    amount: Money


class PnlLine(SaleFigures):
    operating_expenses: Money
    operating_expenses_by_category: list[CategoryAmount]
    other_income: Money
    other_income_by_category: list[CategoryAmount]
    profit_before_tax: Money
    tax: Money
    net_profit: Money
    margin: Percent | None = Field(description="net_profit / net_revenue, %.")
    roi: Percent | None = Field(description="net_profit / (cogs + cogs_adjustments), %.")


class PnlGroup(PnlLine):
    period_start: date = Field(description="First day of the day / week (Monday) / month.")
    date_from: date = Field(description="First day of the group within the report period.")
    date_to: date = Field(description="Last day of the group within the report period.")


class PnlSku(SaleFigures):
    card_id: UUID
    sku: str | None
    title: str | None
    margin: Percent | None = Field(description="gross_profit / net_revenue, %.")
    roi: Percent | None = Field(description="gross_profit / (cogs + cogs_adjustments), %.")


class PnlReport(ReportPeriod):
    group_by: str
    tax_mode: str
    tax_rate: Decimal = Field(description="Percent used for tax.")
    groups: list[PnlGroup]
    totals: PnlLine = Field(description="The whole period; its tax is computed on it.")
    skus: list[PnlSku] | None = Field(
        None, description="With by_sku: the sale-level lines per card, for the whole period."
    )
    unattributed: SaleFigures | None = Field(
        None,
        description="With by_sku: sale-level entries of no card (account-level marketplace "
        "charges); skus + unattributed = the sale-level lines of totals.",
    )


# --- cash flow -------------------------------------------------------------------------------


class CashDay(BaseModel):
    date: date
    cash_in: Money = Field(serialization_alias="in")
    cash_out: Money = Field(serialization_alias="out")
    net: Money
    closing: Money


class CashCategory(BaseModel):
    category: str
    name: str | None
    direction: str
    amount: Money


class DdsReport(ReportPeriod):
    opening_balance: Money = Field(description="Σ in − Σ out before the period.")
    days: list[CashDay]
    categories: list[CashCategory]
    total_in: Money
    total_out: Money
    net: Money
    closing_balance: Money


# --- unit economics --------------------------------------------------------------------------


class UnitRow(BaseModel):
    card_id: UUID
    sku: str | None
    title: str | None
    units_sold: int = Field(description="Σ qty sold (cancellations subtract).")
    units_returned: int
    net_units: int
    revenue: Money
    returns: Money
    net_revenue: Money
    fees: dict[str, Money]
    fees_total: Money
    other_costs: Money
    cogs: Money
    cogs_adjustments: Money
    losses: Money
    profit: Money
    profit_per_unit: Money | None = Field(description="profit / net_units; null for 0 units.")
    margin: Percent | None = Field(description="profit / net_revenue, %.")
    roi: Percent | None = Field(description="profit / (cogs + cogs_adjustments), %.")
    allocated: Money | None = Field(
        None, description="With allocate_account_charges: this card's share of them."
    )
    profit_after_allocation: Money | None = None


class AccountCharge(BaseModel):
    kind: str
    fee_type: str | None
    amount: Money = Field(description="As a cost: positive lowers profit.")


class UnitEconomicsReport(ReportPeriod):
    items: list[UnitRow]
    account_charges: list[AccountCharge] = Field(
        description="Marketplace charges of no card (fees, COGS adjustments, losses)."
    )
    account_charges_total: Money
    allocated: bool = Field(description="Whether account charges were allocated by revenue.")


# --- stock valuation -------------------------------------------------------------------------


class LocationValue(BaseModel):
    location: str
    qty: int
    value: Money


class StockValuationRow(BaseModel):
    card_id: UUID
    sku: str
    title: str
    locations: list[LocationValue]
    qty: int
    value: Money = Field(description="At FIFO cost.")
    unit_cost: UnitCost | None = Field(description="value / qty; null for 0 units.")
    last_sale_price: Money | None = Field(
        description="Unit price of the card's latest sale that was not cancelled (the last "
        "sale price stands in for the marketplace price); null when never sold."
    )
    value_at_last_sale_price: Money | None = Field(
        description="qty × last_sale_price; null when never sold."
    )


class StockValuationReport(BaseModel):
    as_of: datetime = Field(description="Stock is valued now: date parameters are ignored.")
    items: list[StockValuationRow]
    locations: list[LocationValue] = Field(description="Totals per location.")
    qty: int
    value: Money
    value_at_last_sale_price: Money = Field(
        description="Σ over the cards ever sold (at their last sale price)."
    )
    cards_never_sold: int


# --- dashboard -------------------------------------------------------------------------------


class DashboardFigures(BaseModel):
    date_from: date
    date_to: date
    revenue: Money = Field(description="Net revenue: revenue − refunds.")
    profit: Money = Field(description="Profit before tax (Σ of the period's accruals).")
    margin: Percent | None = Field(description="profit / revenue, %.")
    orders: int = Field(description="Sales recorded in the period and not cancelled.")
    returns: int = Field(description="Units returned by customers.")


class DashboardTile(BaseModel):
    period: str = Field(description="today, 7d or 30d (ending today, tenant's time zone).")
    current: DashboardFigures
    previous: DashboardFigures = Field(description="The period of the same length before.")


class Dashboard(BaseModel):
    today: date
    timezone: str
    tiles: list[DashboardTile]
    stock_value: Money = Field(description="Stock at FIFO cost now (inventory).")
    unfilled_cogs: int = Field(description="Sales whose COGS is pending or partial.")
