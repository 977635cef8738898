"""Nothing a client can send gives finance a 500: text PostgreSQL cannot store, times and
days outside 2000–2099 (where offsets and report arithmetic would overflow), a link to a
sale the tenant does not have are all 422 problems naming the field; and a transaction
records the account that created it. On the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from mpflow_platform.http.identity import Identity
from mpflow_testing.identity import ALICE, BOB

TRANSACTIONS = "/v1/admin/finance/transactions"
SALES = "/v1/admin/sales"
PROBLEM_JSON = "application/problem+json"

TOO_EARLY_OR_LATE = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:00:00-05:00",  # after year 9999 in UTC
    "1999-12-31T23:59:59Z",
    "2000-01-01T04:59:59+05:00",  # 1999-12-31T23:59:59Z
    "2100-01-01T00:00:00Z",
    "2099-12-31T23:00:00-05:00",  # 2100-01-01T04:00:00Z
]
LISTS_BY_DAY = [TRANSACTIONS, SALES, "/v1/admin/finance/accruals"]
OUT_OF_RANGE_DAYS = ["0001-01-01", "1999-12-31", "2100-01-01", "9997-01-01", "9999-12-31"]


def _refused(response: httpx.Response, name: str, code: str = "validation_error") -> None:
    """A 422 problem whose error code is `code` and which names `name` among its params."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["error_code"] == code
    assert name in [p["name"] for p in problem["invalid_params"]], problem


def _transaction(client: httpx.Client, **body: Any) -> dict[str, Any]:
    body = {"direction": "out", "amount": "300.00", "category": "rent", **body}
    response = client.post(TRANSACTIONS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _sale(
    client: httpx.Client, card: UUID, *, identity: Identity, stock_in: Callable[..., Any]
) -> str:
    stock_in(card, 1, "10.00", identity=identity)
    response = client.post(
        SALES, json={"lines": [{"card_id": str(card), "qty": 1, "unit_price": "100.00"}]}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


# --- text PostgreSQL cannot store ------------------------------------------------------------

BAD_TRANSACTION_TEXT = [
    ("category", "ab\x00c"),
    ("category", "rent\x1f"),
    ("description", "paid\x00"),
    ("counterparty", "\x00"),
]


def test_a_transaction_with_text_postgresql_cannot_store_is_refused(
    alice: httpx.Client,
) -> None:
    created = _transaction(alice)

    for name, value in BAD_TRANSACTION_TEXT:
        body = {"direction": "out", "amount": "10.00", "category": "rent", name: value}
        _refused(alice.post(TRANSACTIONS, json=body), name)
        _refused(alice.patch(f"{TRANSACTIONS}/{created['id']}", json={name: value}), name)

    kept = alice.get(TRANSACTIONS).json()["items"]
    assert [(t["id"], t["category"], t["description"]) for t in kept] == [
        (created["id"], "rent", None)
    ], "nothing was written or changed"


def test_a_lone_surrogate_in_a_category_is_refused(alice: httpx.Client) -> None:
    raw = b'{"direction": "out", "amount": "10.00", "category": "r\\ud800nt"}'

    response = alice.post(TRANSACTIONS, content=raw, headers={"content-type": "application/json"})

    _refused(response, "category")


@pytest.mark.parametrize(
    ("name", "value"),
    [("note", "gift\x00"), ("external_id", "A\x00-1")],
)
def test_a_sale_with_text_postgresql_cannot_store_is_refused(
    alice: httpx.Client, name: str, value: str
) -> None:
    line = {"card_id": str(uuid.uuid4()), "qty": 1, "unit_price": "100.00"}

    response = alice.post(SALES, json={"lines": [line], name: value})

    _refused(response, name)


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (TRANSACTIONS, {"category": "re\x00nt"}, "category"),
        (TRANSACTIONS, {"q": "a\x00"}, "q"),
        (SALES, {"q": "a\x00"}, "q"),
        ("/v1/admin/finance/accruals", {"q": "a\x00"}, "q"),
        ("/v1/admin/finance/intake/parked", {"q": "a\x00"}, "q"),
    ],
)
def test_a_list_filter_with_a_nul_is_refused(
    alice: httpx.Client, path: str, params: dict[str, str], name: str
) -> None:
    _refused(alice.get(path, params=params), name)


# --- times -------------------------------------------------------------------------------------


def test_a_transaction_dated_outside_2000_to_2099_is_refused(alice: httpx.Client) -> None:
    created = _transaction(alice, occurred_at="2026-03-05T10:00:00Z")

    for moment in TOO_EARLY_OR_LATE:
        body = {"direction": "out", "amount": "10.00", "category": "rent", "occurred_at": moment}
        posted = alice.post(TRANSACTIONS, json=body)
        patched = alice.patch(f"{TRANSACTIONS}/{created['id']}", json={"occurred_at": moment})
        _refused(posted, "occurred_at")
        _refused(patched, "occurred_at")
        reason = patched.json()["invalid_params"][0]["reason"]
        assert "2000-01-01T00:00:00Z" in reason and "2100-01-01T00:00:00Z" in reason

    [kept] = alice.get(TRANSACTIONS).json()["items"]
    assert kept["occurred_at"] == "2026-03-05T10:00:00Z"


def test_a_transaction_dated_at_the_edges_of_the_range_is_recorded(alice: httpx.Client) -> None:
    first = _transaction(alice, occurred_at="2000-01-01T05:00:00+05:00")
    last = _transaction(alice, occurred_at="2100-01-01T04:59:59+05:00")

    assert first["occurred_at"] == "2000-01-01T00:00:00Z"
    assert last["occurred_at"] == "2099-12-31T23:59:59Z"


def test_a_sale_dated_outside_2000_to_2099_is_refused(alice: httpx.Client) -> None:
    line = {"card_id": str(uuid.uuid4()), "qty": 1, "unit_price": "100.00"}

    for moment in TOO_EARLY_OR_LATE:
        response = alice.post(SALES, json={"lines": [line], "occurred_at": moment})
        _refused(response, "occurred_at")

    assert alice.get(SALES).json()["total"] == 0


def test_a_cancel_or_return_dated_outside_2000_to_2099_is_refused(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any]
) -> None:
    sale_id = _sale(alice, add_card("MUG"), identity=ALICE, stock_in=stock_in)
    line_id = alice.get(f"{SALES}/{sale_id}").json()["lines"][0]["id"]

    for moment in TOO_EARLY_OR_LATE:
        cancelled = alice.post(f"{SALES}/{sale_id}/cancel", json={"occurred_at": moment})
        returned = alice.post(
            f"{SALES}/{sale_id}/return",
            json={
                "kind": "restock",
                "occurred_at": moment,
                "lines": [{"line_id": line_id, "qty": 1}],
            },
        )
        _refused(cancelled, "occurred_at")
        _refused(returned, "occurred_at")

    sale = alice.get(f"{SALES}/{sale_id}").json()
    assert (sale["status"], sale["returns"]) == ("active", [])


# --- days --------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", ["pnl", "dds", "unit-economics"])
def test_a_report_of_days_outside_2000_to_2099_is_refused(alice: httpx.Client, report: str) -> None:
    path = f"/v1/admin/reports/{report}"

    for day in OUT_OF_RANGE_DAYS:
        _refused(alice.get(path, params={"date_from": day}), "date_from")
        _refused(alice.get(path, params={"date_to": day}), "date_to")
        _refused(alice.get(path, params={"date_from": day, "date_to": day}), "date_from")


@pytest.mark.parametrize("report", ["pnl", "dds", "unit-economics"])
def test_a_report_covers_up_to_three_years_at_the_edges_of_the_range(
    alice: httpx.Client, report: str
) -> None:
    path = f"/v1/admin/reports/{report}"

    first = alice.get(path, params={"date_from": "2000-01-01", "date_to": "2002-12-31"})
    last = alice.get(path, params={"date_from": "2097-01-01", "date_to": "2099-12-31"})
    too_long = alice.get(path, params={"date_from": "2097-01-01", "date_to": "2100-01-01"})
    longer = alice.get(path, params={"date_from": "2000-01-01", "date_to": "2003-01-01"})

    assert (first.status_code, first.json()["date_from"]) == (200, "2000-01-01"), first.text
    assert (last.status_code, last.json()["date_to"]) == (200, "2099-12-31"), last.text
    _refused(too_long, "date_to")
    _refused(longer, "date_to", code="period_too_long")


def test_a_list_filtered_by_days_outside_2000_to_2099_is_refused(alice: httpx.Client) -> None:
    for path in LISTS_BY_DAY:
        for day in OUT_OF_RANGE_DAYS:
            _refused(alice.get(path, params={"date_from": day}), "date_from")
            _refused(alice.get(path, params={"date_to": day}), "date_to")


def test_a_list_filtered_by_the_first_and_last_days_of_the_range_answers(
    alice: httpx.Client, settings_of: Callable[..., Any]
) -> None:
    settings_of(ALICE, timezone="Pacific/Honolulu")  # UTC-10: the last day ends in 2100 UTC
    for moment in ("2000-01-01T09:59:59Z", "2000-01-01T10:00:00Z", "2099-12-31T23:59:59Z"):
        _transaction(alice, occurred_at=moment)

    for path in LISTS_BY_DAY:
        response = alice.get(path, params={"date_from": "2000-01-01", "date_to": "2099-12-31"})
        assert response.status_code == 200, response.text
    listed = alice.get(TRANSACTIONS, params={"date_from": "2000-01-01", "date_to": "2099-12-31"})
    assert [t["occurred_at"] for t in listed.json()["items"]] == [
        "2099-12-31T23:59:59Z",
        "2000-01-01T10:00:00Z",  # 2000-01-01 00:00 in Honolulu; the one before is 1999's
    ]


def test_the_dashboard_ignores_date_parameters(alice: httpx.Client) -> None:
    response = alice.get(
        "/v1/admin/reports/dashboard", params={"date_from": "9999-12-31", "date_to": "0001-01-01"}
    )

    assert response.status_code == 200, response.text
    assert [t["period"] for t in response.json()["tiles"]] == ["today", "7d", "30d"]


# --- who recorded a transaction, and which sale it is for ----------------------------------------


def test_a_transaction_records_the_account_that_created_it(
    client_of: Callable[[Identity], httpx.Client],
) -> None:
    account = uuid.uuid4()
    staff = Identity(
        user_id=ALICE.user_id,
        account_id=account,
        username="alice-staff",
        role="owner",
        credential="session",
    )

    created = _transaction(client_of(staff))

    assert created["created_by"] == str(account)
    assert created["created_by"] != str(ALICE.user_id)


def test_a_transaction_links_only_a_sale_of_the_tenant(
    alice: httpx.Client,
    bob: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
) -> None:
    own = _sale(alice, add_card("MUG"), identity=ALICE, stock_in=stock_in)
    bobs = _sale(bob, add_card("CUP", identity=BOB), identity=BOB, stock_in=stock_in)
    body = {"direction": "in", "amount": "100.00", "category": "other_income"}

    unknown = alice.post(TRANSACTIONS, json={**body, "sale_id": str(uuid.uuid4())})
    foreign = alice.post(TRANSACTIONS, json={**body, "sale_id": bobs})
    linked = alice.post(TRANSACTIONS, json={**body, "sale_id": own})

    _refused(unknown, "sale_id", code="unknown_sale")
    _refused(foreign, "sale_id", code="unknown_sale")
    assert (linked.status_code, linked.json()["sale_id"]) == (201, own), linked.text
    assert alice.get(TRANSACTIONS).json()["total"] == 1, "the refused ones were not recorded"


def test_patching_a_transaction_links_only_a_sale_of_the_tenant(
    alice: httpx.Client,
    bob: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
) -> None:
    own = _sale(alice, add_card("MUG"), identity=ALICE, stock_in=stock_in)
    bobs = _sale(bob, add_card("CUP", identity=BOB), identity=BOB, stock_in=stock_in)
    created = _transaction(alice, sale_id=own)
    url = f"{TRANSACTIONS}/{created['id']}"

    foreign = alice.patch(url, json={"sale_id": bobs})
    unknown = alice.patch(url, json={"sale_id": str(uuid.uuid4())})
    unchanged = alice.get(TRANSACTIONS).json()["items"][0]["sale_id"]
    cleared = alice.patch(url, json={"sale_id": None})
    relinked = alice.patch(url, json={"sale_id": own, "amount": "310.00"})

    _refused(foreign, "sale_id", code="unknown_sale")
    _refused(unknown, "sale_id", code="unknown_sale")
    assert unchanged == own
    assert (cleared.status_code, cleared.json()["sale_id"]) == (200, None), cleared.text
    assert (relinked.status_code, relinked.json()["sale_id"]) == (200, own), relinked.text


def test_a_supplier_order_id_is_not_checked_by_finance(alice: httpx.Client) -> None:
    order = str(uuid.uuid4())

    created = _transaction(alice, category="supplier_payment", supplier_order_id=order)

    assert created["supplier_order_id"] == order
