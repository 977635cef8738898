"""/v1/admin/reports/dds: cash flow from the cash transactions (recorded through the cash
API), in the tenant's days, to the kopeck."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mpflow_testing.identity import ALICE

DDS = "/v1/admin/reports/dds"


def cash(client: httpx.Client, at: str, category: str, amount: str, direction: str) -> None:
    body = {"occurred_at": at, "category": category, "amount": amount, "direction": direction}
    response = client.post("/v1/admin/finance/transactions", json=body)
    assert response.status_code == 201, response.text


@pytest.fixture
def early_march(alice: httpx.Client, bob: httpx.Client, settings_of: Any) -> None:
    settings_of(ALICE, timezone="Europe/Moscow")
    cash(alice, "2026-02-20T09:00:00Z", "owner_investment", "10000.00", "in")
    cash(alice, "2026-02-25T09:00:00Z", "supplier_payment", "4000.00", "out")
    cash(alice, "2026-03-01T21:30:00Z", "marketplace_payout", "2500.00", "in")  # 2 Mar MSK
    cash(alice, "2026-03-02T10:00:00Z", "rent", "300.00", "out")
    cash(alice, "2026-03-03T10:00:00Z", "salaries", "1000.00", "out")
    cash(alice, "2026-03-03T21:00:00Z", "other_income", "999.00", "in")  # 4 Mar MSK
    cash(bob, "2026-03-02T10:00:00Z", "owner_investment", "777.00", "in")


def test_cash_flow_runs_from_the_opening_to_the_closing_balance_day_by_day(
    alice: httpx.Client, early_march: None
) -> None:
    response = alice.get(DDS, params={"date_from": "2026-03-01", "date_to": "2026-03-03"})

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["opening_balance"] == "6000.00"
    assert report["days"] == [
        {"date": "2026-03-01", "in": "0.00", "out": "0.00", "net": "0.00", "closing": "6000.00"},
        {"date": "2026-03-02", "in": "2500.00", "out": "300.00", "net": "2200.00",
         "closing": "8200.00"},
        {"date": "2026-03-03", "in": "0.00", "out": "1000.00", "net": "-1000.00",
         "closing": "7200.00"},
    ]  # fmt: skip
    assert report["categories"] == [
        {"category": "marketplace_payout", "name": "Выплата маркетплейса", "direction": "in",
         "amount": "2500.00"},
        {"category": "salaries", "name": "Зарплаты", "direction": "out", "amount": "1000.00"},
        {"category": "rent", "name": "Аренда", "direction": "out", "amount": "300.00"},
    ]  # fmt: skip
    assert (report["total_in"], report["total_out"], report["net"]) == (
        "2500.00", "1300.00", "1200.00",
    )  # fmt: skip
    assert report["closing_balance"] == "7200.00"


def test_the_next_period_opens_with_the_previous_closing_balance(
    alice: httpx.Client, early_march: None
) -> None:
    report = alice.get(DDS, params={"date_from": "2026-03-04", "date_to": "2026-03-04"}).json()

    assert (report["opening_balance"], report["closing_balance"]) == ("7200.00", "8199.00")


def test_another_tenants_cash_is_not_counted(bob: httpx.Client, early_march: None) -> None:
    report = bob.get(DDS, params={"date_from": "2026-03-01", "date_to": "2026-03-31"}).json()

    assert (report["opening_balance"], report["total_in"], report["closing_balance"]) == (
        "0.00", "777.00", "777.00",
    )  # fmt: skip
    assert len(report["days"]) == 31


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        {"date_from": "2020-01-01", "date_to": "2026-03-01"},
        {"date_from": "1.3.2026"},
    ],
)
def test_bad_dates_are_a_422_problem(alice: httpx.Client, params: dict[str, str]) -> None:
    response = alice.get(DDS, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
