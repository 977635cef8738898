"""/v1/admin/finance/accruals: the read-only list of P&L entries with its filters."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from mpflow_testing.identity import ALICE, BOB

Db = Callable[..., list[dict[str, Any]]]
ACCRUALS = "/v1/admin/finance/accruals"
assert ALICE.user_id is not None and BOB.user_id is not None


def accrue(
    db: Db, at: str, kind: str, amount: str, *, card: UUID | None = None,
    fee_type: str | None = None, sale: UUID | None = None, source: str = "sale", qty: int = 0,
    user_id: UUID = ALICE.user_id,  # type: ignore[assignment]
) -> str:  # fmt: skip
    key = f"test:{uuid.uuid4()}"
    db(
        "INSERT INTO finance.accruals (id, user_id, occurred_at, kind, fee_type, amount, qty, "
        "card_id, sale_id, source, source_key, description) VALUES ($1, $2, "
        "$3::text::timestamptz, $4, $5, $6::text::numeric, $7, $8, $9, $10, $11, 'arranged')",
        uuid.uuid4(), user_id, at, kind, fee_type, amount, qty, card, sale, source, key,
    )  # fmt: skip
    return key


@pytest.fixture
def entries(db: Db, settings_of: Any, add_card: Callable[..., UUID]) -> dict[str, Any]:
    settings_of(ALICE, timezone="Europe/Moscow")
    card, sale = add_card("A-1"), uuid.uuid4()
    return {
        "card": card,
        "sale": sale,
        "revenue": accrue(db, "2026-03-01T22:30Z", "revenue", "1000.00", card=card, sale=sale,
                          qty=2),
        "fee": accrue(db, "2026-03-01T20:00Z", "fee", "-150.00", card=card, sale=sale,
                      fee_type="commission"),
        "storage": accrue(db, "2026-03-03T10:00Z", "fee", "-30.00", fee_type="storage",
                          source="ozon"),
        "bob": accrue(db, "2026-03-02T10:00Z", "revenue", "5.00", user_id=BOB.user_id),
    }  # fmt: skip


def _keys(client: httpx.Client, **params: Any) -> list[str]:
    response = client.get(ACCRUALS, params=params)
    assert response.status_code == 200, response.text
    return [a["source_key"] for a in response.json()["items"]]


def test_accruals_are_listed_newest_first_with_every_column(
    alice: httpx.Client, entries: dict[str, Any]
) -> None:
    items = alice.get(ACCRUALS).json()["items"]

    assert [a["source_key"] for a in items] == [entries["storage"], entries["revenue"],
                                                entries["fee"]]  # fmt: skip
    revenue = items[1]
    assert {k: v for k, v in revenue.items() if k not in ("id", "created_at", "updated_at")} == {
        "occurred_at": "2026-03-01T22:30:00Z",
        "kind": "revenue",
        "fee_type": None,
        "amount": "1000.00",
        "qty": 2,
        "card_id": str(entries["card"]),
        "sku": "A-1",
        "sale_id": str(entries["sale"]),
        "sale_line_id": None,
        "category": None,
        "source": "sale",
        "source_key": entries["revenue"],
        "description": "arranged",
    }


def test_accruals_filter_by_tenant_days_kind_fee_type_card_sale_and_source(
    alice: httpx.Client, entries: dict[str, Any]
) -> None:
    # 22:30Z on 1 March is 2 March in Moscow; 20:00Z is still 1 March (23:00).
    assert _keys(alice, date_from="2026-03-02", date_to="2026-03-02") == [entries["revenue"]]
    assert _keys(alice, date_to="2026-03-01") == [entries["fee"]]
    assert _keys(alice, kind="fee", sort="amount:asc") == [entries["fee"], entries["storage"]]
    assert _keys(alice, fee_type="storage") == [entries["storage"]]
    assert _keys(alice, card_id=str(entries["card"]), sort="amount:desc") == [
        entries["revenue"], entries["fee"],
    ]  # fmt: skip
    assert _keys(alice, sale_id=str(entries["sale"]), kind="revenue") == [entries["revenue"]]
    assert _keys(alice, source="ozon") == [entries["storage"]]


def test_another_tenants_accruals_are_not_listed(
    bob: httpx.Client, entries: dict[str, Any]
) -> None:
    assert _keys(bob) == [entries["bob"]]


@pytest.mark.parametrize(
    "params",
    [{"kind": "profit"}, {"fee_type": "bribe"}, {"card_id": "x"}, {"source": "bank"},
     {"date_from": "2026-03-02", "date_to": "2026-03-01"}],
)  # fmt: skip
def test_bad_filters_are_a_422(alice: httpx.Client, params: dict[str, str]) -> None:
    response = alice.get(ACCRUALS, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_accruals_cannot_be_written_through_the_api(alice: httpx.Client) -> None:
    assert alice.post(ACCRUALS, json={}).status_code == 405
