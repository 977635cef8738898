"""/v1/admin/reports/pnl on the real stack: sale-level accruals arranged in SQL (the sales
API is not the point here), operating expenses and other income through the cash API;
every figure computed by hand to the kopeck."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from finance.report.model import today_in
from mpflow_testing.identity import ALICE, BOB

Db = Callable[..., list[dict[str, Any]]]
PNL = "/v1/admin/reports/pnl"
assert ALICE.user_id is not None and BOB.user_id is not None
FEES_ZERO = {
    t: "0.00"
    for t in (
        "commission", "logistics", "last_mile", "fulfillment", "dropoff", "acquiring",
        "returns", "marketing", "storage", "other",
    )
}  # fmt: skip


def accrue(
    db: Db,
    at: str,
    kind: str,
    amount: str,
    *,
    card: UUID | None = None,
    fee_type: str | None = None,
    qty: int = 0,
    user_id: UUID | None = ALICE.user_id,
) -> None:
    """One accrual as the sales / inventory / Ozon handlers would have written it."""
    db(
        "INSERT INTO finance.accruals (id, user_id, occurred_at, kind, fee_type, amount, qty, "
        "card_id, source, source_key) "
        "VALUES ($1, $2, $3::text::timestamptz, $4, $5, $6::text::numeric, $7, $8, 'sale', $9)",
        uuid.uuid4(),
        user_id,
        at,
        kind,
        fee_type,
        amount,
        qty,
        card,
        f"test:{uuid.uuid4()}",
    )


def cash(client: httpx.Client, at: str, category: str, amount: str, direction: str = "out") -> None:
    body = {"occurred_at": at, "category": category, "amount": amount, "direction": direction}
    assert client.post("/v1/admin/finance/transactions", json=body).status_code == 201


@pytest.fixture
def march_and_april(
    alice: httpx.Client, db: Db, add_card: Callable[..., UUID]
) -> tuple[UUID, UUID]:
    """Cards A and B with sales, a return, an account-level storage fee, a loss, rent and
    other income in March 2026, and a sale of B in April; Bob has a sale in March too."""
    a, b = add_card("A-1", "Alpha"), add_card("B-1", "Beta")
    accrue(db, "2026-03-02T10:00Z", "revenue", "1000.00", card=a, qty=2)
    accrue(db, "2026-03-02T10:00Z", "fee", "-150.00", card=a, fee_type="commission")
    accrue(db, "2026-03-02T10:00Z", "fee", "-50.00", card=a, fee_type="logistics")
    accrue(db, "2026-03-02T10:00Z", "cogs", "-400.00", card=a)
    accrue(db, "2026-03-10T10:00Z", "revenue", "500.00", card=b, qty=1)
    accrue(db, "2026-03-10T10:00Z", "fee", "-75.00", card=b, fee_type="commission")
    accrue(db, "2026-03-10T10:00Z", "other_cost", "-10.00", card=b)
    accrue(db, "2026-03-10T10:00Z", "cogs", "-200.00", card=b)
    accrue(db, "2026-03-15T10:00Z", "refund", "-500.00", card=a, qty=1)
    accrue(db, "2026-03-15T10:00Z", "cogs_adjustment", "200.00", card=a)  # restocked
    accrue(db, "2026-03-20T10:00Z", "fee", "-30.00", fee_type="storage")  # no card
    accrue(db, "2026-03-25T10:00Z", "loss", "-40.00", card=a, qty=1)
    accrue(db, "2026-04-02T10:00Z", "revenue", "800.00", card=b, qty=2)
    accrue(db, "2026-04-02T10:00Z", "fee", "-120.00", card=b, fee_type="commission")
    accrue(db, "2026-04-02T10:00Z", "cogs", "-400.00", card=b)
    accrue(db, "2026-03-10T10:00Z", "revenue", "777.00", qty=7, user_id=BOB.user_id)
    cash(alice, "2026-03-05T10:00:00Z", "rent", "300.00")
    cash(alice, "2026-03-06T10:00:00Z", "other_income", "100.00", direction="in")
    cash(alice, "2026-03-07T10:00:00Z", "supplier_payment", "5000.00")  # cash only
    return a, b


def _get(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get(PNL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_monthly_pnl_with_usn_income_to_the_kopeck(
    alice: httpx.Client, settings_of: Any, march_and_april: tuple[UUID, UUID]
) -> None:
    settings_of(ALICE, tax_mode="usn_income", tax_rate="6", timezone="Europe/Moscow")

    report = _get(alice, date_from="2026-03-01", date_to="2026-04-30", group_by="month")

    march, april = report["groups"]
    assert (report["tax_mode"], report["tax_rate"], report["group_by"]) == (
        "usn_income",
        "6.00",
        "month",
    )
    assert (march["period_start"], march["date_from"], march["date_to"]) == (
        "2026-03-01", "2026-03-01", "2026-03-31",
    )  # fmt: skip
    assert march == {
        **march,
        "revenue": "1500.00",
        "returns": "500.00",
        "net_revenue": "1000.00",
        "fees": {**FEES_ZERO, "commission": "225.00", "logistics": "50.00", "storage": "30.00"},
        "fees_total": "305.00",
        "other_costs": "10.00",
        "cogs": "600.00",
        "cogs_adjustments": "-200.00",
        "losses": "40.00",
        "gross_profit": "245.00",
        "operating_expenses": "300.00",
        "operating_expenses_by_category": [
            {"category": "rent", "name": "Аренда", "amount": "300.00"}
        ],
        "other_income": "100.00",
        "other_income_by_category": [
            {"category": "other_income", "name": "Прочие доходы", "amount": "100.00"}
        ],
        "profit_before_tax": "45.00",
        "tax": "66.00",  # 6 % of (1000.00 + 100.00)
        "net_profit": "-21.00",
        "margin": "-2.10",
        "roi": "-5.25",  # -21 / (600 - 200)
        "units_sold": 3,
        "units_returned": 1,
    }
    assert (april["revenue"], april["fees_total"], april["cogs"], april["gross_profit"]) == (
        "800.00", "120.00", "400.00", "280.00",
    )  # fmt: skip
    assert (april["tax"], april["net_profit"], april["margin"], april["roi"]) == (
        "48.00", "232.00", "29.00", "58.00",
    )  # fmt: skip
    totals = report["totals"]
    assert (totals["net_revenue"], totals["fees_total"], totals["gross_profit"]) == (
        "1800.00", "425.00", "525.00",
    )  # fmt: skip
    assert (totals["profit_before_tax"], totals["tax"], totals["net_profit"]) == (
        "325.00", "114.00", "211.00",
    )  # fmt: skip
    assert (totals["margin"], totals["roi"]) == ("11.72", "26.38")  # 211/1800, 211/800


def test_usn_income_minus_expense_taxes_profit_per_group_and_a_loss_period_pays_none(
    alice: httpx.Client, settings_of: Any, march_and_april: tuple[UUID, UUID]
) -> None:
    settings_of(ALICE, tax_mode="usn_income_minus_expense", tax_rate="15")
    cash(alice, "2026-03-28T10:00:00Z", "salaries", "1000.00")

    report = _get(alice, date_from="2026-03-01", date_to="2026-04-30")

    march, april = report["groups"]
    assert (march["profit_before_tax"], march["tax"], march["net_profit"]) == (
        "-955.00", "0.00", "-955.00",
    )  # fmt: skip
    assert (april["profit_before_tax"], april["tax"], april["net_profit"]) == (
        "280.00", "42.00", "238.00",
    )  # fmt: skip
    totals = report["totals"]
    assert (totals["operating_expenses"], totals["profit_before_tax"], totals["tax"]) == (
        "1300.00", "-675.00", "0.00",
    )  # fmt: skip
    assert [c["category"] for c in totals["operating_expenses_by_category"]] == ["salaries", "rent"]


@pytest.mark.parametrize(("mode", "rate"), [("usn_income", "0"), ("none", None)])
def test_a_zero_rate_or_no_tax_mode_leaves_net_profit_equal_to_profit_before_tax(
    alice: httpx.Client,
    settings_of: Any,
    march_and_april: tuple[UUID, UUID],
    mode: str,
    rate: str | None,
) -> None:
    settings_of(ALICE, tax_mode=mode, **({"tax_rate": rate} if rate else {}))

    totals = _get(alice, date_from="2026-03-01", date_to="2026-04-30")["totals"]

    assert (totals["tax"], totals["net_profit"]) == ("0.00", "325.00")


def test_pnl_by_sku_splits_the_sale_level_lines_per_card(
    alice: httpx.Client, march_and_april: tuple[UUID, UUID]
) -> None:
    a, b = march_and_april

    report = _get(alice, date_from="2026-03-01", date_to="2026-04-30", by_sku="true")

    beta, alpha = report["skus"]
    assert (beta["card_id"], beta["sku"], beta["title"]) == (str(b), "B-1", "Beta")
    assert (beta["net_revenue"], beta["fees"]["commission"], beta["other_costs"]) == (
        "1300.00", "195.00", "10.00",
    )  # fmt: skip
    assert (beta["cogs"], beta["gross_profit"], beta["margin"], beta["roi"]) == (
        "600.00", "495.00", "38.08", "82.50",
    )  # fmt: skip
    assert (alpha["card_id"], alpha["revenue"], alpha["returns"], alpha["fees_total"]) == (
        str(a), "1000.00", "500.00", "200.00",
    )  # fmt: skip
    assert (alpha["cogs_adjustments"], alpha["losses"], alpha["gross_profit"]) == (
        "-200.00", "40.00", "60.00",
    )  # fmt: skip
    assert (alpha["units_sold"], alpha["units_returned"], alpha["margin"], alpha["roi"]) == (
        2, 1, "12.00", "30.00",
    )  # fmt: skip
    unattributed = report["unattributed"]
    assert (unattributed["fees"]["storage"], unattributed["gross_profit"]) == ("30.00", "-30.00")
    assert report["totals"]["gross_profit"] == "525.00"  # 495 + 60 - 30


def test_days_are_the_tenants_days(
    alice: httpx.Client, settings_of: Any, db: Db, add_card: Callable[..., UUID]
) -> None:
    settings_of(ALICE, timezone="Europe/Moscow")
    card = add_card("A-1")
    accrue(db, "2026-03-01T22:30Z", "revenue", "100.00", card=card, qty=1)  # 2 March, 01:30 MSK
    accrue(db, "2026-03-01T20:30Z", "revenue", "10.00", card=card, qty=1)  # 1 March, 23:30 MSK

    by_day = _get(alice, date_from="2026-03-01", date_to="2026-03-02", group_by="day")
    second = _get(alice, date_from="2026-03-02", date_to="2026-03-02")
    first = _get(alice, date_from="2026-03-01", date_to="2026-03-01")

    assert [(g["period_start"], g["revenue"]) for g in by_day["groups"]] == [
        ("2026-03-01", "10.00"),
        ("2026-03-02", "100.00"),
    ]
    assert (second["totals"]["revenue"], first["totals"]["revenue"]) == ("100.00", "10.00")


def test_weeks_start_on_monday_and_are_clipped_to_the_period(
    alice: httpx.Client, settings_of: Any, db: Db
) -> None:
    settings_of(ALICE, timezone="UTC")
    accrue(db, "2026-03-08T12:00Z", "revenue", "70.00", qty=1)  # Sunday
    accrue(db, "2026-03-09T12:00Z", "revenue", "30.00", qty=1)  # Monday
    accrue(db, "2026-03-09T12:00Z", "other_cost", "-5.00")

    report = _get(alice, date_from="2026-03-04", date_to="2026-03-12", group_by="week")

    assert [
        (g["period_start"], g["date_from"], g["date_to"], g["revenue"], g["gross_profit"])
        for g in report["groups"]
    ] == [
        ("2026-03-02", "2026-03-04", "2026-03-08", "70.00", "70.00"),
        ("2026-03-09", "2026-03-09", "2026-03-12", "30.00", "25.00"),
    ]


def test_an_empty_period_reports_zeros_and_no_margin(bob: httpx.Client) -> None:
    report = _get(bob, date_from="2026-03-01", date_to="2026-03-31")

    assert report["groups"] == []
    totals = report["totals"]
    assert (totals["revenue"], totals["net_profit"], totals["margin"], totals["roi"]) == (
        "0.00", "0.00", None, None,
    )  # fmt: skip


def test_another_tenants_accruals_are_not_counted(
    bob: httpx.Client, march_and_april: tuple[UUID, UUID]
) -> None:
    totals = _get(bob, date_from="2026-03-01", date_to="2026-04-30")["totals"]

    assert (totals["revenue"], totals["units_sold"], totals["operating_expenses"]) == (
        "777.00", 7, "0.00",
    )  # fmt: skip


def test_the_default_period_is_the_last_30_days_in_the_tenants_zone(
    alice: httpx.Client, settings_of: Any
) -> None:
    settings_of(ALICE, timezone="Asia/Vladivostok")
    today = today_in("Asia/Vladivostok")

    report = _get(alice)

    assert (report["date_from"], report["date_to"], report["timezone"]) == (
        str(today - timedelta(days=29)), str(today), "Asia/Vladivostok",
    )  # fmt: skip
    assert report["group_by"] == "month"


@pytest.mark.parametrize(
    ("params", "name", "code"),
    [
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "invalid_date_range"),
        ({"date_from": "2023-01-01", "date_to": "2026-01-01"}, "date_to", "period_too_long"),
        ({"date_from": "2026-02-30"}, "date_from", "validation_error"),
        ({"date_to": "soon"}, "date_to", "validation_error"),
        ({"group_by": "year"}, "group_by", "validation_error"),
        ({"by_sku": "maybe"}, "by_sku", "validation_error"),
    ],
)
def test_bad_parameters_are_a_422_problem(
    alice: httpx.Client, params: dict[str, str], name: str, code: str
) -> None:
    response = alice.get(PNL, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert (problem["error_code"], problem["invalid_params"][0]["name"]) == (code, name)
