"""Report use cases over a period: P&L, cash flow (ДДС) and unit economics. Each opens one
read transaction, lets SQL sum (report/queries.py) and names the sums (report/model.py).
Stock valuation and the dashboard, which also ask inventory, are in report/snapshot.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from finance.accrual.repository import FEE_TYPES
from finance.cash.categories import Category
from finance.cash.service import categories_of
from finance.report import queries
from finance.report.model import (
    ACCOUNT_CHARGE_KINDS,
    ZERO,
    Period,
    SumRow,
    Sums,
    allocate_by_revenue,
    clip_group,
    group_bounds,
    per_unit,
    percent,
    sums_of,
    tax_of,
)
from finance.report.queries import SET_GROUP, SET_TOTAL, GroupBy
from finance.report.schemas import (
    AccountCharge,
    CashCategory,
    CashDay,
    CategoryAmount,
    DdsReport,
    PnlGroup,
    PnlLine,
    PnlReport,
    PnlSku,
    SaleFigures,
    UnitEconomicsReport,
    UnitRow,
)
from finance.tenant import TenantSettings, tenant_of
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity


def _sum_rows(rows: Iterable[dict[str, Any]]) -> list[SumRow]:
    return [SumRow(r["kind"], r["fee_type"], r["amount"], int(r["qty"] or 0)) for r in rows]


def _sale_figures(s: Sums) -> dict[str, Any]:
    return {
        "revenue": s.revenue,
        "returns": s.returns,
        "net_revenue": s.net_revenue,
        "fees": s.fees,
        "fees_total": s.fees_total,
        "other_costs": s.other_costs,
        "cogs": s.cogs,
        "cogs_adjustments": s.cogs_adjustments,
        "losses": s.losses,
        "gross_profit": s.gross_profit,
        "units_sold": s.units_sold,
        "units_returned": s.units_returned,
    }


def _by_category(
    rows: Iterable[dict[str, Any]], kind: str, names: dict[str, Category]
) -> list[CategoryAmount]:
    """Expenses (as positive costs) or income by category, largest first."""
    sign = -1 if kind == "expense" else 1
    items = [
        CategoryAmount(
            category=r["category"] or "",
            name=names[r["category"]].name if r["category"] in names else None,
            amount=sign * r["amount"],
        )
        for r in rows
        if r["kind"] == kind
    ]
    return sorted(items, key=lambda c: (-c.amount, c.category))


def _pnl_line(
    s: Sums, categories: list[dict[str, Any]], settings: TenantSettings, names: dict[str, Category]
) -> dict[str, Any]:
    """The full P&L of one group (or the period): sale lines, expenses, tax, net profit."""
    tax = tax_of(settings.tax_mode, settings.tax_rate, s)
    net_profit = s.profit_before_tax - tax
    return {
        **_sale_figures(s),
        "operating_expenses": s.operating_expenses,
        "operating_expenses_by_category": _by_category(categories, "expense", names),
        "other_income": s.other_income,
        "other_income_by_category": _by_category(categories, "income", names),
        "profit_before_tax": s.profit_before_tax,
        "tax": tax,
        "net_profit": net_profit,
        "margin": percent(net_profit, s.net_revenue),
        "roi": percent(net_profit, s.cost_of_goods),
    }


async def pnl(
    *,
    pool: Pool,
    identity: Identity,
    settings: TenantSettings,
    period: Period,
    group_by: GroupBy,
    by_sku: bool,
) -> PnlReport:
    """Profit and loss per local day / week / month and for the period (tax by the tenant's
    mode, on each group and on the totals); with `by_sku`, the sale-level lines per card."""
    tenant = tenant_of(identity)
    starts, thresholds = group_bounds(period, group_by)
    async with transaction(pool, user_id=tenant) as tx:
        sums = await queries.pnl_sums(
            tx, user_id=tenant, start=period.start, end=period.end, group_starts=thresholds
        )
        by_category = await queries.category_sums(
            tx, user_id=tenant, start=period.start, end=period.end, group_starts=thresholds
        )
        names = await categories_of(tx, user_id=tenant)
        per_card = (
            await queries.card_sums(tx, user_id=tenant, start=period.start, end=period.end)
            if by_sku
            else {}
        )
        card_ids = [card_id for card_id in per_card if card_id is not None]
        cards = await queries.cards(tx, user_id=tenant, card_ids=card_ids) if card_ids else {}
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    group_categories: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in sums:
        if r["grouping_set"] == SET_GROUP:
            groups[starts[r["grp"] - 1]].append(r)
    for r in by_category:
        group_categories[starts[r["grp"] - 1] if r["grouping_set"] == 0 else None].append(r)
    totals = sums_of(_sum_rows(r for r in sums if r["grouping_set"] == SET_TOTAL), FEE_TYPES)
    report = PnlReport(
        date_from=period.date_from,
        date_to=period.date_to,
        timezone=period.timezone,
        group_by=group_by,
        tax_mode=settings.tax_mode,
        tax_rate=settings.tax_rate,
        groups=[
            _pnl_group(start, rows, group_categories[start], group_by, period, settings, names)
            for start, rows in sorted(groups.items())
        ],
        totals=PnlLine(**_pnl_line(totals, group_categories[None], settings, names)),
    )
    if by_sku:
        report.skus, report.unattributed = _pnl_skus(per_card, cards)
    return report


def _pnl_group(
    start: Any,
    rows: list[dict[str, Any]],
    categories: list[dict[str, Any]],
    group_by: GroupBy,
    period: Period,
    settings: TenantSettings,
    names: dict[str, Category],
) -> PnlGroup:
    s = sums_of(_sum_rows(rows), FEE_TYPES)
    first, last = clip_group(start, group_by, period)
    return PnlGroup(
        period_start=start,
        date_from=first,
        date_to=last,
        **_pnl_line(s, categories, settings, names),
    )


def _pnl_skus(
    per_card: dict[UUID | None, list[SumRow]], cards: dict[UUID, Any]
) -> tuple[list[PnlSku], SaleFigures]:
    """Per card sale-level figures (by net revenue, largest first) and those of no card."""
    skus = []
    for card_id, rows in per_card.items():
        if card_id is None:
            continue
        s = sums_of(rows, FEE_TYPES)
        figures, card = _sale_figures(s), cards.get(card_id)
        skus.append(
            PnlSku(
                card_id=card_id,
                sku=None if card is None else card["sku"],
                title=None if card is None else card["title"],
                margin=percent(figures["gross_profit"], figures["net_revenue"]),
                roi=percent(figures["gross_profit"], s.cost_of_goods),
                **figures,
            )
        )
    skus.sort(key=lambda row: (-row.net_revenue, row.sku or ""))
    orphan = sums_of(per_card.get(None, []), FEE_TYPES)
    return skus, SaleFigures(**_sale_figures(orphan))


# --- cash flow -------------------------------------------------------------------------------


async def dds(*, pool: Pool, identity: Identity, period: Period) -> DdsReport:
    """Cash flow (ДДС) from the cash transactions: opening balance, every day's in, out,
    net and closing balance, amounts per category, totals and the closing balance."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        opening = await queries.cash_balance_before(tx, user_id=tenant, before=period.start)
        days = await queries.cash_days(
            tx,
            user_id=tenant,
            start=period.start,
            end=period.end,
            timezone=period.timezone,
            first=period.date_from,
            last=period.date_to,
            opening=opening,
        )
        per_category = await queries.cash_by_category(
            tx, user_id=tenant, start=period.start, end=period.end
        )
        names = await categories_of(tx, user_id=tenant)
    totals = {r["direction"]: r["amount"] for r in per_category if r["grouping_set"] == 1}
    total_in, total_out = totals.get("in", ZERO), totals.get("out", ZERO)
    return DdsReport(
        date_from=period.date_from,
        date_to=period.date_to,
        timezone=period.timezone,
        opening_balance=opening,
        days=[
            CashDay(
                date=d["day"],
                cash_in=d["cash_in"],
                cash_out=d["cash_out"],
                net=d["net"],
                closing=d["closing"],
            )  # fmt: skip
            for d in days
        ],
        categories=[
            CashCategory(
                category=r["category"],
                name=names[r["category"]].name if r["category"] in names else None,
                direction=r["direction"],
                amount=r["amount"],
            )
            for r in per_category
            if r["grouping_set"] == 0
        ],
        total_in=total_in,
        total_out=total_out,
        net=total_in - total_out,
        closing_balance=opening + total_in - total_out,
    )


# --- unit economics --------------------------------------------------------------------------


async def unit_economics(
    *, pool: Pool, identity: Identity, period: Period, allocate_account_charges: bool
) -> UnitEconomicsReport:
    """Per card: units, revenue, every fee type, COGS, losses, profit per unit, margin and
    ROI; marketplace charges of no card apart, optionally allocated to the cards by revenue
    share (largest remainder)."""
    tenant = tenant_of(identity)
    async with transaction(pool, user_id=tenant) as tx:
        per_card = await queries.card_sums(tx, user_id=tenant, start=period.start, end=period.end)
        account = per_card.pop(None, [])
        card_ids = [card_id for card_id in per_card if card_id is not None]
        cards = await queries.cards(tx, user_id=tenant, card_ids=card_ids)
    charges = [
        AccountCharge(kind=r.kind, fee_type=r.fee_type, amount=-r.amount)
        for r in sorted(account, key=lambda r: (r.kind, r.fee_type or ""))
        if r.kind in ACCOUNT_CHARGE_KINDS
    ]
    charges_total = sum((c.amount for c in charges), ZERO)
    rows = sorted(
        (_unit_row(card_id, sums_of(r, FEE_TYPES), cards.get(card_id))
         for card_id, r in per_card.items() if card_id is not None),
        key=lambda u: (-u.net_revenue, u.sku or ""),
    )  # fmt: skip
    allocated = allocate_account_charges and bool(rows)
    if allocated:
        shares = allocate_by_revenue(charges_total, [u.net_revenue for u in rows])
        for u, share in zip(rows, shares, strict=True):
            u.allocated, u.profit_after_allocation = share, u.profit - share
    return UnitEconomicsReport(
        date_from=period.date_from,
        date_to=period.date_to,
        timezone=period.timezone,
        items=rows,
        account_charges=charges,
        account_charges_total=charges_total,
        allocated=allocated,
    )


def _unit_row(card_id: UUID, s: Sums, card: Any) -> UnitRow:
    figures = _sale_figures(s)
    profit = figures.pop("gross_profit")
    net_units = s.units_sold - s.units_returned
    return UnitRow(
        card_id=card_id,
        sku=None if card is None else card["sku"],
        title=None if card is None else card["title"],
        net_units=net_units,
        profit=profit,
        profit_per_unit=per_unit(profit, net_units),
        margin=percent(profit, figures["net_revenue"]),
        roi=percent(profit, s.cost_of_goods),
        **figures,
    )
