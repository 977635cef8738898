"""/v1/admin/finance/categories and /transactions: categories, manual cash and its P&L
entry, system cash read-only, filters, tenants apart, bad input 4xx."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from finance.cash.service import InvalidCategory, record_system_transaction
from mpflow_platform.db import set_tenant
from mpflow_testing.identity import ALICE

Db = Callable[..., list[dict[str, Any]]]
assert ALICE.user_id is not None
ALICE_USER: UUID = ALICE.user_id

CATEGORIES = "/v1/admin/finance/categories"
TRANSACTIONS = "/v1/admin/finance/transactions"
ACCRUALS = "/v1/admin/finance/accruals"


def _post(client: httpx.Client, **body: Any) -> dict[str, Any]:
    body = {"direction": "out", "amount": "300.00", "category": "rent", **body}
    response = client.post(TRANSACTIONS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _pnl_entries(db: Db, transaction_id: str) -> list[dict[str, Any]]:
    return db(
        "SELECT kind, amount, category, occurred_at, source FROM finance.accruals "
        "WHERE source_key = $1",
        f"txn:{transaction_id}",
    )


def _system_transaction(db: Db, *, user_id: UUID = ALICE_USER) -> str:
    transaction_id = uuid.uuid4()
    db(
        "INSERT INTO finance.transactions (id, user_id, occurred_at, direction, amount, "
        "category, source, external_id) VALUES ($1, $2, '2026-03-05T10:00Z', 'in', 2500.00, "
        "'marketplace_payout', 'ozon', 'payout-1')",
        transaction_id,
        user_id,
    )
    return str(transaction_id)


# --- categories ------------------------------------------------------------------------------


def test_system_categories_are_listed_with_their_direction_and_pnl_effect(
    alice: httpx.Client,
) -> None:
    response = alice.get(CATEGORIES)

    assert response.status_code == 200
    items = {c["code"]: c for c in response.json()["items"]}
    assert items["rent"] == {
        "code": "rent",
        "name": "Аренда",
        "name_en": "Rent",
        "direction": "out",
        "pnl": "expense",
        "system": True,
    }
    assert (items["other_income"]["direction"], items["other_income"]["pnl"]) == ("in", "income")
    assert items["supplier_payment"]["pnl"] == items["taxes_paid"]["pnl"] == "none"
    assert len(items) == 16


def test_a_tenant_category_is_created_and_listed_for_that_tenant_only(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    body = {"code": "packaging", "name": "Упаковка", "direction": "out", "pnl": "expense"}

    response = alice.post(CATEGORIES, json=body)

    assert response.status_code == 201
    assert response.json() == {**body, "name_en": "Упаковка", "system": False}
    assert any(c["code"] == "packaging" for c in alice.get(CATEGORIES).json()["items"])
    assert not any(c["code"] == "packaging" for c in bob.get(CATEGORIES).json()["items"])


@pytest.mark.parametrize("code", ["rent", "packaging"])
def test_a_category_code_already_used_is_a_409(alice: httpx.Client, code: str) -> None:
    body = {"code": "packaging", "name": "Упаковка", "direction": "out", "pnl": "expense"}
    assert alice.post(CATEGORIES, json=body).status_code == 201

    response = alice.post(CATEGORIES, json={**body, "code": code})

    assert response.status_code == 409
    assert response.json()["error_code"] == "duplicate_category"


@pytest.mark.parametrize(
    "change",
    [{"code": "Rent2"}, {"code": "x"}, {"code": "9abc"}, {"direction": "up"}, {"pnl": "tax"}],
)
def test_a_bad_category_is_a_422(alice: httpx.Client, change: dict[str, str]) -> None:
    body = {"code": "packaging", "name": "Упаковка", "direction": "out", "pnl": "expense", **change}

    response = alice.post(CATEGORIES, json=body)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


# --- manual transactions ---------------------------------------------------------------------


def test_an_expense_is_recorded_as_cash_and_as_its_pnl_entry(alice: httpx.Client, db: Db) -> None:
    created = _post(
        alice, occurred_at="2026-03-05T10:00:00Z", description="March rent", counterparty="Landlord"
    )

    assert (created["amount"], created["category"], created["category_name"]) == (
        "300.00",
        "rent",
        "Аренда",
    )
    assert (created["source"], created["editable"], created["occurred_at"]) == (
        "manual",
        True,
        "2026-03-05T10:00:00Z",
    )
    [entry] = _pnl_entries(db, created["id"])
    assert (entry["kind"], entry["amount"], entry["category"], entry["source"]) == (
        "expense",
        Decimal("-300.00"),
        "rent",
        "manual",
    )


def test_other_income_books_a_positive_entry_and_cash_only_categories_book_none(
    alice: httpx.Client, db: Db
) -> None:
    income = _post(alice, direction="in", category="other_income", amount="100.50")
    payment = _post(alice, category="supplier_payment", supplier_order_id=str(uuid.uuid4()))

    assert [(e["kind"], e["amount"]) for e in _pnl_entries(db, income["id"])] == [
        ("income", Decimal("100.50"))
    ]
    assert _pnl_entries(db, payment["id"]) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"direction": "in", "category": "rent"}, "money going out"),
        ({"category": "no_such_category"}, "unknown category"),
    ],
)
def test_a_category_that_does_not_exist_or_match_the_direction_is_a_422(
    alice: httpx.Client, body: dict[str, str], reason: str
) -> None:
    response = alice.post(TRANSACTIONS, json={"direction": "out", "amount": "10.00", **body})

    assert response.status_code == 422
    problem = response.json()
    assert problem["error_code"] == "invalid_category"
    assert reason in problem["invalid_params"][0]["reason"]


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "0"},
        {"amount": "-5.00"},
        {"amount": "1.005"},
        {"amount": "NaN"},
        {"occurred_at": "2026-03-05T10:00:00"},
        {"direction": "sideways"},
        {"description": "nul\x00"},
        {"unknown": 1},
    ],
)
def test_bad_transaction_input_is_a_422(alice: httpx.Client, change: dict[str, Any]) -> None:
    response = alice.post(
        TRANSACTIONS, json={"direction": "out", "amount": "10.00", "category": "rent", **change}
    )

    assert response.status_code == 422
    assert response.json()["error_code"] == "validation_error"


def test_a_custom_pnl_category_books_its_entry(alice: httpx.Client, db: Db) -> None:
    alice.post(
        CATEGORIES,
        json={"code": "packaging", "name": "Упаковка", "direction": "out", "pnl": "expense"},
    )

    created = _post(alice, category="packaging", amount="45.10")

    assert [(e["kind"], e["amount"]) for e in _pnl_entries(db, created["id"])] == [
        ("expense", Decimal("-45.10"))
    ]


def test_patch_changes_the_transaction_and_its_pnl_entry_follows(
    alice: httpx.Client, db: Db
) -> None:
    created = _post(alice, occurred_at="2026-03-05T10:00:00Z")

    response = alice.patch(
        f"{TRANSACTIONS}/{created['id']}",
        json={"amount": "350.25", "category": "software", "occurred_at": "2026-03-06T09:00:00Z"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["amount"], body["category"], body["description"]) == ("350.25", "software", None)
    [entry] = _pnl_entries(db, created["id"])
    assert (entry["amount"], entry["category"], entry["occurred_at"].isoformat()) == (
        Decimal("-350.25"),
        "software",
        "2026-03-06T09:00:00+00:00",
    )


def test_moving_a_transaction_to_a_cash_only_category_removes_its_pnl_entry(
    alice: httpx.Client, db: Db
) -> None:
    created = _post(alice)

    response = alice.patch(f"{TRANSACTIONS}/{created['id']}", json={"category": "owner_withdrawal"})

    assert response.status_code == 200
    assert _pnl_entries(db, created["id"]) == []


def test_patch_checks_the_category_against_the_resulting_direction(alice: httpx.Client) -> None:
    created = _post(alice)

    wrong = alice.patch(f"{TRANSACTIONS}/{created['id']}", json={"direction": "in"})
    right = alice.patch(
        f"{TRANSACTIONS}/{created['id']}", json={"direction": "in", "category": "loan_received"}
    )

    assert wrong.status_code == 422
    assert wrong.json()["error_code"] == "invalid_category"
    assert (right.status_code, right.json()["direction"]) == (200, "in")


def test_delete_removes_a_manual_transaction_and_its_pnl_entry(alice: httpx.Client, db: Db) -> None:
    created = _post(alice)

    response = alice.delete(f"{TRANSACTIONS}/{created['id']}")

    assert response.status_code == 204
    assert alice.get(TRANSACTIONS).json()["total"] == 0
    assert _pnl_entries(db, created["id"]) == []


def test_system_transactions_cannot_be_changed_or_deleted(alice: httpx.Client, db: Db) -> None:
    transaction_id = _system_transaction(db)

    patched = alice.patch(f"{TRANSACTIONS}/{transaction_id}", json={"amount": "1.00"})
    deleted = alice.delete(f"{TRANSACTIONS}/{transaction_id}")

    for response in (patched, deleted):
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["error_code"] == "system_transaction"
    [listed] = alice.get(TRANSACTIONS).json()["items"]
    assert (listed["amount"], listed["source"], listed["editable"]) == ("2500.00", "ozon", False)


def test_another_tenants_or_an_unknown_transaction_is_a_404(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    created = _post(alice)

    for response in (
        bob.patch(f"{TRANSACTIONS}/{created['id']}", json={"amount": "1.00"}),
        bob.delete(f"{TRANSACTIONS}/{created['id']}"),
        alice.delete(f"{TRANSACTIONS}/{uuid.uuid4()}"),
    ):
        assert response.status_code == 404
        assert response.json()["error_code"] == "transaction_not_found"
    assert bob.get(TRANSACTIONS).json() == {"items": [], "total": 0, "next_cursor": None}
    assert alice.get(TRANSACTIONS).json()["items"][0]["amount"] == "300.00"


# --- the list --------------------------------------------------------------------------------


def test_the_list_filters_by_tenant_days_direction_category_source_and_text(
    alice: httpx.Client, settings_of: Any, db: Db
) -> None:
    settings_of(ALICE, timezone="Europe/Moscow")
    late = _post(alice, occurred_at="2026-03-01T22:30:00Z", counterparty="Yandex Cloud",
                 category="software", amount="12.00")  # fmt: skip
    _post(alice, occurred_at="2026-03-01T12:00:00Z", description="rent for March")
    _post(alice, occurred_at="2026-03-02T12:00:00Z", direction="in", category="owner_investment",
          amount="5000.00")  # fmt: skip
    _system_transaction(db)

    def ids(**params: str) -> list[str]:
        response = alice.get(TRANSACTIONS, params=params)
        assert response.status_code == 200, response.text
        return [t["amount"] for t in response.json()["items"]]

    # 22:30Z on 1 March is 01:30 on 2 March in Moscow.
    assert ids(date_from="2026-03-02", date_to="2026-03-02") == ["5000.00", "12.00"]
    assert ids(date_to="2026-03-01") == ["300.00"]
    assert ids(direction="out", sort="amount:asc") == ["12.00", "300.00"]
    assert ids(category="software") == ["12.00"]
    assert ids(source="ozon") == ["2500.00"]
    assert ids(q="yandex") == ids(q="cloud") == ["12.00"]
    assert late["occurred_at"] == "2026-03-01T22:30:00Z"


def test_the_list_pages_with_a_cursor(alice: httpx.Client) -> None:
    for amount in ("1.00", "2.00", "3.00"):
        _post(alice, amount=amount)

    first = alice.get(TRANSACTIONS, params={"limit": 2, "sort": "amount:desc"}).json()
    second = alice.get(
        TRANSACTIONS, params={"limit": 2, "sort": "amount:desc", "cursor": first["next_cursor"]}
    ).json()

    assert ([t["amount"] for t in first["items"]], first["total"]) == (["3.00", "2.00"], 3)
    assert ([t["amount"] for t in second["items"]], second["next_cursor"]) == (["1.00"], None)


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
        {"date_from": "yesterday"},
        {"direction": "up"},
        {"source": "bank"},
    ],
)
def test_bad_list_parameters_are_a_422(alice: httpx.Client, params: dict[str, str]) -> None:
    response = alice.get(TRANSACTIONS, params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_sort_field_is_a_400(alice: httpx.Client) -> None:
    response = alice.get(TRANSACTIONS, params={"sort": "category"})

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_sort"


# --- system transactions (the Ozon intake's entry point) -------------------------------------


async def _record(database_url: str, amount: str, *, category: str = "marketplace_payout") -> Any:
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await set_tenant(conn, ALICE_USER)
            return await record_system_transaction(
                conn,
                user_id=ALICE_USER,
                occurred_at=datetime.fromisoformat("2026-03-05T10:00:00+00:00"),
                direction="in",
                amount=Decimal(amount),
                category=category,
                source="ozon",
                external_id="payout-42",
                description="Ozon payout",
            )
    finally:
        await conn.close()


def test_a_system_transaction_is_recorded_once_per_external_id_and_updated_when_restated(
    alice: httpx.Client, database_url: str
) -> None:
    first_id, first_new = asyncio.run(_record(database_url, "2500.00"))
    again_id, again_new = asyncio.run(_record(database_url, "2500.00"))
    restated_id, restated_new = asyncio.run(_record(database_url, "2600.00"))

    assert (first_new, again_new, restated_new) == (True, False, False)
    assert first_id == again_id == restated_id
    [listed] = alice.get(TRANSACTIONS).json()["items"]
    assert (listed["id"], listed["amount"], listed["editable"]) == (str(first_id), "2600.00", False)


def test_a_system_transaction_in_a_category_of_the_other_direction_is_refused(
    alice: httpx.Client, database_url: str
) -> None:
    with pytest.raises(InvalidCategory):
        asyncio.run(_record(database_url, "10.00", category="rent"))
