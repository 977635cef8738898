"""/v1/admin/reports/unit-economics: per card figures, account-level charges apart and
allocated by revenue share (largest remainder), to the kopeck."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from mpflow_testing.identity import ALICE, BOB

Db = Callable[..., list[dict[str, Any]]]
UNIT = "/v1/admin/reports/unit-economics"
PERIOD = {"date_from": "2026-03-01", "date_to": "2026-04-30"}
assert ALICE.user_id is not None and BOB.user_id is not None


def accrue(
    db: Db, at: str, kind: str, amount: str, *, card: UUID | None = None,
    fee_type: str | None = None, qty: int = 0, user_id: UUID = ALICE.user_id,  # type: ignore[assignment]
) -> None:  # fmt: skip
    db(
        "INSERT INTO finance.accruals (id, user_id, occurred_at, kind, fee_type, amount, qty, "
        "card_id, source, source_key) "
        "VALUES ($1, $2, $3::text::timestamptz, $4, $5, $6::text::numeric, $7, $8, 'sale', $9)",
        uuid.uuid4(), user_id, at, kind, fee_type, amount, qty, card, f"test:{uuid.uuid4()}",
    )  # fmt: skip


@pytest.fixture
def sales(db: Db, add_card: Callable[..., UUID], settings_of: Any) -> tuple[UUID, UUID]:
    settings_of(ALICE, timezone="Europe/Moscow")
    a, b = add_card("A-1", "Alpha"), add_card("B-1", "Beta")
    accrue(db, "2026-03-02T10:00Z", "revenue", "1000.00", card=a, qty=2)
    accrue(db, "2026-03-02T10:00Z", "fee", "-150.00", card=a, fee_type="commission")
    accrue(db, "2026-03-02T10:00Z", "fee", "-50.00", card=a, fee_type="logistics")
    accrue(db, "2026-03-02T10:00Z", "cogs", "-400.00", card=a)
    accrue(db, "2026-03-15T10:00Z", "refund", "-500.00", card=a, qty=1)
    accrue(db, "2026-03-15T10:00Z", "cogs_adjustment", "200.00", card=a)
    accrue(db, "2026-03-25T10:00Z", "loss", "-40.00", card=a, qty=1)
    accrue(db, "2026-03-10T10:00Z", "revenue", "500.00", card=b, qty=1)
    accrue(db, "2026-03-10T10:00Z", "fee", "-75.00", card=b, fee_type="commission")
    accrue(db, "2026-03-10T10:00Z", "other_cost", "-10.00", card=b)
    accrue(db, "2026-03-10T10:00Z", "cogs", "-200.00", card=b)
    accrue(db, "2026-04-02T10:00Z", "revenue", "800.00", card=b, qty=2)
    accrue(db, "2026-04-02T10:00Z", "fee", "-120.00", card=b, fee_type="commission")
    accrue(db, "2026-04-02T10:00Z", "cogs", "-400.00", card=b)
    # A cancellation inside the period nets the sale to zero units and money.
    accrue(db, "2026-04-03T10:00Z", "revenue", "400.00", card=b, qty=1)
    accrue(db, "2026-04-04T10:00Z", "revenue", "-400.00", card=b, qty=-1)
    # Account-level marketplace charges (no card) and an expense (not unit economics).
    accrue(db, "2026-03-20T10:00Z", "fee", "-30.00", fee_type="storage")
    accrue(db, "2026-03-21T10:00Z", "cogs_adjustment", "-0.01")
    accrue(db, "2026-03-22T10:00Z", "expense", "-300.00")
    accrue(db, "2026-03-22T10:00Z", "revenue", "9999.00", card=b, qty=9, user_id=BOB.user_id)
    return a, b


def test_unit_economics_per_card_to_the_kopeck(
    alice: httpx.Client, sales: tuple[UUID, UUID]
) -> None:
    a, b = sales

    response = alice.get(UNIT, params=PERIOD)

    assert response.status_code == 200, response.text
    report = response.json()
    beta, alpha = report["items"]
    assert (beta["card_id"], beta["sku"], beta["title"]) == (str(b), "B-1", "Beta")
    assert (beta["units_sold"], beta["units_returned"], beta["net_units"]) == (3, 0, 3)
    assert (beta["net_revenue"], beta["fees"]["commission"], beta["fees_total"]) == (
        "1300.00", "195.00", "195.00",
    )  # fmt: skip
    assert (beta["other_costs"], beta["cogs"], beta["profit"], beta["profit_per_unit"]) == (
        "10.00", "600.00", "495.00", "165.00",
    )  # fmt: skip
    assert (beta["margin"], beta["roi"], beta["allocated"]) == ("38.08", "82.50", None)
    assert (alpha["card_id"], alpha["units_sold"], alpha["units_returned"]) == (str(a), 2, 1)
    assert (alpha["revenue"], alpha["returns"], alpha["cogs_adjustments"], alpha["losses"]) == (
        "1000.00", "500.00", "-200.00", "40.00",
    )  # fmt: skip
    assert (alpha["profit"], alpha["profit_per_unit"], alpha["margin"], alpha["roi"]) == (
        "60.00", "60.00", "12.00", "30.00",
    )  # fmt: skip
    assert report["account_charges"] == [
        {"kind": "cogs_adjustment", "fee_type": None, "amount": "0.01"},
        {"kind": "fee", "fee_type": "storage", "amount": "30.00"},
    ]
    assert (report["account_charges_total"], report["allocated"]) == ("30.01", False)


def test_account_charges_are_allocated_by_revenue_share_to_the_kopeck(
    alice: httpx.Client, sales: tuple[UUID, UUID]
) -> None:
    response = alice.get(UNIT, params={**PERIOD, "allocate_account_charges": "true"})

    report = response.json()
    beta, alpha = report["items"]
    # 30.01 by net revenue 1300 : 500 -> 21.6738… and 8.3361… -> 21.67 and 8.34.
    assert (beta["allocated"], beta["profit_after_allocation"]) == ("21.67", "473.33")
    assert (alpha["allocated"], alpha["profit_after_allocation"]) == ("8.34", "51.66")
    assert report["allocated"] is True


def test_a_card_with_no_net_units_has_no_profit_per_unit(
    alice: httpx.Client, db: Db, add_card: Callable[..., UUID]
) -> None:
    card = add_card("C-1")
    accrue(db, "2026-03-02T10:00Z", "revenue", "100.00", card=card, qty=1)
    accrue(db, "2026-03-03T10:00Z", "refund", "-100.00", card=card, qty=1)

    [row] = alice.get(UNIT, params=PERIOD).json()["items"]

    assert (row["net_units"], row["profit"], row["profit_per_unit"], row["margin"]) == (
        0, "0.00", None, None,
    )  # fmt: skip


def test_bad_parameters_are_a_422(alice: httpx.Client) -> None:
    for params in (
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        {"allocate_account_charges": "perhaps"},
    ):
        response = alice.get(UNIT, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
