"""Reports of "now" that also ask inventory: stock valuation and the dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from finance.report import queries
from finance.report.model import ZERO, dashboard_windows, day_start, percent, today_in
from finance.report.schemas import (
    Dashboard,
    DashboardFigures,
    DashboardTile,
    LocationValue,
    StockValuationReport,
    StockValuationRow,
)
from finance.tenant import TenantSettings, tenant_of
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.internal import InternalClient
from mpflow_platform.money import round_money

UNIT_COST = Decimal("0.0001")
#: The order locations are shown in.
LOCATIONS = ("home", "in_transit", "marketplace:ozon")


async def _valuation(inventory: InternalClient, identity: Identity) -> list[dict[str, Any]]:
    """Inventory's stock per card and location at FIFO cost (its /internal/stock-valuation)."""
    data = await inventory.get_json("/internal/stock-valuation", identity=identity)
    return [
        {**item, "card_id": UUID(item["card_id"]), "value": Decimal(str(item["value"]))}
        for item in data["items"]
    ]


def _location_order(location: str) -> tuple[int, str]:
    return (LOCATIONS.index(location) if location in LOCATIONS else len(LOCATIONS), location)


async def stock_valuation(
    *, pool: Pool, identity: Identity, inventory: InternalClient
) -> StockValuationReport:
    """Units and value at cost per card and location now, unit cost, and the value at the
    card's last sale price; totals per location and overall."""
    tenant = tenant_of(identity)
    stock = await _valuation(inventory, identity)
    per_card: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for item in stock:
        per_card[item["card_id"]].append(item)
    async with transaction(pool, user_id=tenant) as tx:
        prices = await queries.last_sale_prices(tx, user_id=tenant, card_ids=list(per_card))
    items = [_stock_row(card_id, rows, prices.get(card_id)) for card_id, rows in per_card.items()]
    locations: dict[str, list[int | Decimal]] = defaultdict(lambda: [0, ZERO])
    for item in stock:
        locations[item["location"]][0] += item["qty"]
        locations[item["location"]][1] += item["value"]
    return StockValuationReport(
        as_of=datetime.now(UTC),
        items=items,
        locations=[
            LocationValue(location=name, qty=int(qty), value=Decimal(value))
            for name, (qty, value) in sorted(
                locations.items(), key=lambda kv: _location_order(kv[0])
            )
        ],
        qty=sum(i.qty for i in items),
        value=sum((i.value for i in items), ZERO),
        value_at_last_sale_price=sum(
            (i.value_at_last_sale_price for i in items if i.value_at_last_sale_price is not None),
            ZERO,
        ),
        cards_never_sold=sum(1 for i in items if i.last_sale_price is None),
    )


def _stock_row(
    card_id: UUID, rows: list[dict[str, Any]], price: Decimal | None
) -> StockValuationRow:
    qty = sum(int(r["qty"]) for r in rows)
    value = sum((r["value"] for r in rows), ZERO)
    return StockValuationRow(
        card_id=card_id,
        sku=rows[0]["sku"],
        title=rows[0]["title"],
        locations=[
            LocationValue(location=r["location"], qty=r["qty"], value=r["value"])
            for r in sorted(rows, key=lambda r: _location_order(r["location"]))
        ],
        qty=qty,
        value=value,
        unit_cost=None if qty == 0 else round_money(value / qty, UNIT_COST),
        last_sale_price=price,
        value_at_last_sale_price=None if price is None else round_money(qty * price),
    )


async def dashboard(
    *, pool: Pool, identity: Identity, settings: TenantSettings, inventory: InternalClient
) -> Dashboard:
    """Today, 7 and 30 days (tenant's time zone, ending today), each beside the period
    before it: net revenue, profit before tax, margin, orders, units returned; and now:
    stock value at cost and sales whose COGS is not filled."""
    tenant = tenant_of(identity)
    today = today_in(settings.timezone)
    windows = dashboard_windows(today)
    names = [w.name for w in windows]
    starts = [day_start(w.date_from, settings.timezone) for w in windows]
    ends = [day_start(w.date_to + timedelta(days=1), settings.timezone) for w in windows]
    async with transaction(pool, user_id=tenant) as tx:
        money = await queries.window_accruals(
            tx, user_id=tenant, names=names, starts=starts, ends=ends
        )
        orders, unfilled = await queries.window_sales(
            tx, user_id=tenant, names=names, starts=starts, ends=ends
        )
    stock = await _valuation(inventory, identity)

    def figures(name: str) -> DashboardFigures:
        window = windows[names.index(name)]
        revenue, profit = money[name]["revenue"], money[name]["profit"]
        return DashboardFigures(
            date_from=window.date_from,
            date_to=window.date_to,
            revenue=revenue,
            profit=profit,
            margin=percent(profit, revenue),
            orders=orders.get(name, 0),
            returns=int(money[name]["returns"]),
        )

    return Dashboard(
        today=today,
        timezone=settings.timezone,
        tiles=[
            DashboardTile(period=name, current=figures(name), previous=figures(f"{name}_previous"))
            for name in ("today", "7d", "30d")
        ],
        stock_value=sum((item["value"] for item in stock), ZERO),
        unfilled_cogs=unfilled,
    )
