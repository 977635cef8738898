"""/v1/admin/reports/stock-valuation and /dashboard: "now" reports that also read
inventory (its stock at FIFO cost), on the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from finance.report.model import today_in
from mpflow_testing.identity import ALICE

Db = Callable[..., list[dict[str, Any]]]
assert ALICE.user_id is not None


def record_sale(
    db: Db,
    at: datetime,
    card: UUID,
    unit_price: str = "10.00",
    *,
    status: str = "active",
    cogs_status: str = "costed",
) -> None:
    """A sale as the sales API would have stored it (one line)."""
    sale_id = uuid.uuid4()
    db(
        "INSERT INTO finance.sales (id, user_id, marketplace, occurred_at, status, cogs_status) "
        "VALUES ($1, $2, 'manual', $3, $4, $5)",
        sale_id, ALICE.user_id, at, status, cogs_status,
    )  # fmt: skip
    db(
        "INSERT INTO finance.sale_lines (id, user_id, sale_id, line_no, card_id, qty, location, "
        "unit_price, revenue) VALUES ($1, $2, $3, 1, $4, 1, 'home', $5::text::numeric, "
        "$5::text::numeric)",
        uuid.uuid4(), ALICE.user_id, sale_id, card, unit_price,
    )  # fmt: skip


def accrue(db: Db, at: datetime, kind: str, amount: str, qty: int = 0) -> None:
    db(
        "INSERT INTO finance.accruals (id, user_id, occurred_at, kind, fee_type, amount, qty, "
        "source, source_key) VALUES ($1, $2, $3, $4, $5, $6::text::numeric, $7, 'sale', $8)",
        uuid.uuid4(), ALICE.user_id, at, kind, "commission" if kind == "fee" else None, amount,
        qty, f"test:{uuid.uuid4()}",
    )  # fmt: skip


def test_stock_is_valued_per_location_at_cost_and_at_the_last_sale_price(
    alice: httpx.Client, db: Db, add_card: Callable[..., UUID], stock_in: Callable[..., Any]
) -> None:
    a, b = add_card("A-1", "Alpha"), add_card("B-1", "Beta")
    stock_in(a, 10, "12.50")
    stock_in(a, 5, "12.50", location="marketplace:ozon")
    stock_in(b, 3, "100.00")
    record_sale(db, datetime(2026, 3, 1, tzinfo=UTC), a, "30.00")
    record_sale(db, datetime(2026, 3, 5, tzinfo=UTC), a, "35.00")
    record_sale(db, datetime(2026, 3, 9, tzinfo=UTC), a, "99.00", status="cancelled")

    response = alice.get("/v1/admin/reports/stock-valuation", params={"date_from": "2020-01-01"})

    assert response.status_code == 200, response.text
    report = response.json()
    alpha, beta = report["items"]
    assert alpha == {
        "card_id": str(a),
        "sku": "A-1",
        "title": "Alpha",
        "locations": [
            {"location": "home", "qty": 10, "value": "125.00"},
            {"location": "marketplace:ozon", "qty": 5, "value": "62.50"},
        ],
        "qty": 15,
        "value": "187.50",
        "unit_cost": "12.5000",
        "last_sale_price": "35.00",
        "value_at_last_sale_price": "525.00",
    }
    assert (beta["qty"], beta["value"], beta["unit_cost"]) == (3, "300.00", "100.0000")
    assert (beta["last_sale_price"], beta["value_at_last_sale_price"]) == (None, None)
    assert report["locations"] == [
        {"location": "home", "qty": 13, "value": "425.00"},
        {"location": "marketplace:ozon", "qty": 5, "value": "62.50"},
    ]
    assert (report["qty"], report["value"], report["value_at_last_sale_price"]) == (
        18, "487.50", "525.00",
    )  # fmt: skip
    assert report["cards_never_sold"] == 1


def test_another_tenants_stock_is_not_valued(
    bob: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any]
) -> None:
    stock_in(add_card("A-1"), 10, "12.50")

    report = bob.get("/v1/admin/reports/stock-valuation").json()

    assert (report["items"], report["value"], report["qty"]) == ([], "0.00", 0)


def _local_noon(day: Any, zone: str) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.fixture
def recent_activity(
    db: Db, settings_of: Any, add_card: Callable[..., UUID], stock_in: Callable[..., Any]
) -> None:
    """Accruals and sales today, yesterday, 10 and 40 days ago (tenant's days), and stock."""
    zone = "Asia/Vladivostok"
    settings_of(ALICE, timezone=zone)
    today = today_in(zone)
    now, yesterday = _local_noon(today, zone), _local_noon(today - timedelta(days=1), zone)
    card = add_card("A-1")
    stock_in(card, 4, "25.00")
    accrue(db, now, "revenue", "1000.00", qty=1)
    accrue(db, now, "cogs", "-600.00")
    accrue(db, now, "refund", "-100.00", qty=1)
    accrue(db, yesterday, "revenue", "500.00", qty=1)
    accrue(db, yesterday, "fee", "-50.00")
    accrue(db, _local_noon(today - timedelta(days=10), zone), "revenue", "200.00", qty=1)
    accrue(db, _local_noon(today - timedelta(days=40), zone), "revenue", "70.00", qty=1)
    record_sale(db, now, card)
    record_sale(db, now, card, cogs_status="pending")
    record_sale(db, now, card, status="cancelled", cogs_status="cancelled")
    record_sale(db, yesterday, card, cogs_status="partial")


def test_the_dashboard_shows_each_period_beside_the_one_before(
    alice: httpx.Client, recent_activity: None
) -> None:
    response = alice.get("/v1/admin/reports/dashboard")

    assert response.status_code == 200, response.text
    body = response.json()
    tiles = {t["period"]: t for t in body["tiles"]}
    figures = {
        (name, side): (t[side]["revenue"], t[side]["profit"], t[side]["margin"],
                       t[side]["orders"], t[side]["returns"])
        for name, t in tiles.items()
        for side in ("current", "previous")
    }  # fmt: skip
    assert figures == {
        ("today", "current"): ("900.00", "300.00", "33.33", 2, 1),
        ("today", "previous"): ("500.00", "450.00", "90.00", 1, 0),
        ("7d", "current"): ("1400.00", "750.00", "53.57", 3, 1),
        ("7d", "previous"): ("200.00", "200.00", "100.00", 0, 0),
        ("30d", "current"): ("1600.00", "950.00", "59.38", 3, 1),
        ("30d", "previous"): ("70.00", "70.00", "100.00", 0, 0),
    }
    today = today_in("Asia/Vladivostok")
    assert (body["today"], tiles["7d"]["current"]["date_from"]) == (
        str(today), str(today - timedelta(days=6)),
    )  # fmt: skip
    assert tiles["30d"]["previous"]["date_to"] == str(today - timedelta(days=30))
    assert (body["stock_value"], body["unfilled_cogs"]) == ("100.00", 2)


def test_an_empty_dashboard_has_zeros_and_no_margin(bob: httpx.Client) -> None:
    body = bob.get("/v1/admin/reports/dashboard").json()

    today = body["tiles"][0]["current"]
    assert (today["revenue"], today["profit"], today["margin"], today["orders"]) == (
        "0.00", "0.00", None, 0,
    )  # fmt: skip
    assert (body["stock_value"], body["unfilled_cogs"]) == ("0.00", 0)
