"""Recording sales through the API (`/v1/admin/sales`) on the real stack: inventory costs
them FIFO from their events and finance shows COGS and profit to the kopeck."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import httpx
import pytest

from mpflow_testing.identity import ALICE
from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]


def line(card: UUID, qty: int = 1, price: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {"card_id": str(card), "qty": qty, "unit_price": price, **extra}


def post_sale(client: httpx.Client, *lines: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.post("/v1/admin/sales", json={"lines": list(lines), **extra})


def costed(client: httpx.Client, sale_id: str, status: str = "costed") -> dict[str, Any]:
    """The sale once finance has heard its COGS status is `status`."""

    def check() -> dict[str, Any] | None:
        sale: dict[str, Any] = client.get(f"/v1/admin/sales/{sale_id}").json()
        return sale if sale["cogs_status"] == status else None

    return cast(dict[str, Any], wait_until(check))


def test_a_recorded_sale_is_costed_fifo_and_shows_its_profit(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any], db: Db
) -> None:
    card = add_card("KETTLE-01", title="Electric kettle")
    stock_in(card, 2, "10.00", occurred_at="2026-01-01T00:00:00Z")
    stock_in(card, 5, "12.50", occurred_at="2026-01-02T00:00:00Z")

    answer = post_sale(
        alice,
        line(
            card,
            qty=3,
            price="100.00",
            fees={"commission": "30.00", "logistics": "5.50"},
            other_costs="2.00",
        ),
        note="first sale",
    )

    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["marketplace"] == "manual"
    assert created["cogs_status"] == "pending"
    sale = costed(alice, created["id"])
    (only,) = sale["lines"]
    assert only["sku"] == "KETTLE-01" and only["title"] == "Electric kettle"
    assert only["location"] == "home"
    assert only["revenue"] == "300.00" and only["fees_total"] == "35.50"
    assert only["fees"] == {"commission": "30.00", "logistics": "5.50"}
    assert only["cogs"] == "32.50"  # 2 × 10.00 + 1 × 12.50, oldest lot first
    assert only["qty_costed"] == 3 and only["qty_pending"] == 0
    assert only["profit"] == "230.00"  # 300.00 − 35.50 − 2.00 − 32.50
    assert sale["totals"] == {
        "revenue": "300.00",
        "refunds": "0.00",
        "fees": "35.50",
        "other_costs": "2.00",
        "cogs": "32.50",
        "profit": "230.00",
    }
    keys = {
        r["source_key"]: (r["kind"], str(r["amount"]), r["qty"])
        for r in db("SELECT source_key, kind, amount, qty FROM finance.accruals")
    }
    line_id = only["id"]
    assert keys == {
        f"sale:{line_id}:revenue": ("revenue", "300.00", 3),
        f"sale:{line_id}:fee:commission": ("fee", "-30.00", 0),
        f"sale:{line_id}:fee:logistics": ("fee", "-5.50", 0),
        f"sale:{line_id}:other": ("other_cost", "-2.00", 0),
        f"cogs:{line_id}": ("cogs", "-32.50", 0),
    }


def test_the_sale_event_carries_finance_line_ids_and_locations(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("FBO-1")

    sale = post_sale(alice, line(card, qty=2), marketplace="ozon", external_id="P-1").json()

    (row,) = db("SELECT payload FROM finance.outbox WHERE subject = 'mpflow.sales.sale.recorded'")
    data = row["payload"]["data"]
    assert data["sale_id"] == sale["id"]
    assert data["lines"] == [
        {
            "line_id": sale["lines"][0]["id"],
            "card_id": str(card),
            "qty": 2,
            "location": "marketplace:ozon",
        }
    ]


def test_posting_the_same_external_id_again_returns_the_recorded_sale(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    first = post_sale(alice, line(card), external_id="ORDER-7")

    again = post_sale(alice, line(card, qty=5), external_id="ORDER-7")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["lines"][0]["qty"] == 1
    assert db("SELECT count(*) AS n FROM finance.sales")[0]["n"] == 1
    assert db("SELECT count(*) AS n FROM finance.accruals WHERE kind = 'revenue'")[0]["n"] == 1
    assert db("SELECT count(*) AS n FROM finance.outbox")[0]["n"] == 1


def test_concurrent_posts_of_one_external_id_record_one_sale(
    alice: httpx.Client, add_card: Callable[..., UUID], finance_url: str, signed_client: Any, db: Db
) -> None:
    card = add_card("A-1")
    answers: list[httpx.Response] = []

    def post() -> None:
        client = signed_client(finance_url, ALICE)
        answers.append(post_sale(client, line(card), external_id="RACE-1"))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert db("SELECT count(*) AS n FROM finance.sales")[0]["n"] == 1
    assert db("SELECT count(*) AS n FROM finance.accruals")[0]["n"] == 1


def test_a_sale_of_an_unknown_card_is_refused_naming_the_line(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    unknown = UUID("00000000-0000-4000-8000-000000000001")

    answer = post_sale(alice, line(card), line(unknown))

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["error_code"] == "unknown_card"
    assert answer.json()["invalid_params"] == [
        {"name": "lines.1.card_id", "reason": "no such card in the catalog"}
    ]
    assert db("SELECT count(*) AS n FROM finance.sales")[0]["n"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_price": "abc"}, "lines.0.unit_price"),
        ({"unit_price": "1.234"}, "lines.0.unit_price"),
        ({"unit_price": "-1.00"}, "lines.0.unit_price"),
        ({"unit_price": "NaN"}, "lines.0.unit_price"),
        ({"qty": 0}, "lines.0.qty"),
        ({"fees": {"bribes": "1.00"}}, "lines.0.fees.bribes.[key]"),
        ({"fees": {"commission": "-1.00"}}, "lines.0.fees.commission"),
        ({"other_costs": "1e3"}, None),
        ({"location": "supplier"}, "lines.0.location"),
        ({"qty": 1_000_000, "unit_price": "9999999.99"}, "lines.0"),
    ],
)
def test_invalid_lines_are_refused_with_a_problem(
    alice: httpx.Client, add_card: Callable[..., UUID], change: dict[str, Any], field: str | None
) -> None:
    card = add_card("A-1")

    answer = post_sale(alice, {**line(card), **change})

    if field is None:  # "1e3" is a valid decimal (1000): accepted
        assert answer.status_code == 201, answer.text
        return
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["error_code"] == "validation_error"
    assert field in [p["name"] for p in problem["invalid_params"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),
        ({"marketplace": "wildberries"}, "marketplace"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 101}, "external_id"),
    ],
)
def test_invalid_sales_are_refused_with_a_problem(
    alice: httpx.Client, add_card: Callable[..., UUID], body: dict[str, Any], field: str
) -> None:
    card = add_card("A-1")

    answer = alice.post("/v1/admin/sales", json={"lines": [line(card)], **body})

    assert answer.status_code == 422
    assert field in [p["name"] for p in answer.json()["invalid_params"]]


def test_a_sale_of_more_than_500_lines_is_refused(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")

    answer = post_sale(alice, *[line(card)] * 501)

    assert answer.status_code == 422
    assert [p["name"] for p in answer.json()["invalid_params"]] == ["lines"]


def test_rejecting_negative_stock_refuses_a_sale_without_stock_and_writes_nothing(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    settings_of: Callable[..., Any],
    db: Db,
) -> None:
    settings_of(ALICE, negative_stock="reject")
    card, other = add_card("A-1"), add_card("B-1")
    stock_in(card, 3, "10.00")
    stock_in(other, 5, "10.00")

    answer = post_sale(alice, line(card, qty=2), line(other, qty=1), line(card, qty=2))

    assert answer.status_code == 409
    problem = answer.json()
    assert problem["error_code"] == "insufficient_stock"
    assert problem["shortages"] == [
        {"card_id": str(card), "location": "home", "requested": 4, "available": 3, "lines": [0, 2]}
    ]
    assert db("SELECT count(*) AS n FROM finance.sales")[0]["n"] == 0
    assert db("SELECT count(*) AS n FROM finance.accruals")[0]["n"] == 0
    assert db("SELECT count(*) AS n FROM finance.outbox")[0]["n"] == 0
    assert post_sale(alice, line(card, qty=3), line(other, qty=1)).status_code == 201


def test_allowing_negative_stock_records_a_sale_without_stock(
    alice: httpx.Client, add_card: Callable[..., UUID], settings_of: Callable[..., Any]
) -> None:
    settings_of(ALICE, negative_stock="allow")
    card = add_card("A-1")

    answer = post_sale(alice, line(card, qty=2))

    assert answer.status_code == 201


def test_another_tenant_cannot_see_cancel_or_return_the_sale(
    alice: httpx.Client, bob: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    sale = post_sale(alice, line(card)).json()
    sale_id, line_id = sale["id"], sale["lines"][0]["id"]

    seen = bob.get(f"/v1/admin/sales/{sale_id}")
    cancelled = bob.post(f"/v1/admin/sales/{sale_id}/cancel", json={})
    returned = bob.post(
        f"/v1/admin/sales/{sale_id}/return",
        json={"kind": "restock", "lines": [{"line_id": line_id, "qty": 1}]},
    )
    explained = bob.get(f"/v1/admin/sales/{sale_id}/cogs")

    assert [seen.status_code, cancelled.status_code, returned.status_code] == [404, 404, 404]
    assert explained.status_code == 404
    assert bob.get("/v1/admin/sales").json()["items"] == []
    assert db("SELECT status FROM finance.sales")[0]["status"] == "active"
    assert db("SELECT count(*) AS n FROM finance.sale_returns")[0]["n"] == 0


def test_the_list_filters_searches_and_sorts_with_totals_from_accruals(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    kettle, mug = add_card("KETTLE"), add_card("MUG")
    old = post_sale(
        alice,
        line(kettle, qty=2, price="50.00", fees={"commission": "10.00"}),
        occurred_at="2026-02-01T12:00:00Z",
        note="gift for grandma",
    ).json()
    new = post_sale(
        alice,
        line(mug, qty=1, price="20.00"),
        marketplace="ozon",
        external_id="0123-1",
        occurred_at="2026-02-03T12:00:00Z",
    ).json()

    everything = alice.get("/v1/admin/sales").json()
    by_card = alice.get("/v1/admin/sales", params={"card_id": str(kettle)}).json()
    by_day = alice.get(
        "/v1/admin/sales", params={"date_from": "2026-02-03", "date_to": "2026-02-03"}
    ).json()
    searched = alice.get("/v1/admin/sales", params={"q": "GRANDMA"}).json()
    ozon = alice.get("/v1/admin/sales", params={"marketplace": "ozon"}).json()
    oldest_first = alice.get("/v1/admin/sales", params={"sort": "occurred_at:asc"}).json()
    page = alice.get("/v1/admin/sales", params={"limit": 1}).json()

    assert [s["id"] for s in everything["items"]] == [new["id"], old["id"]]
    assert everything["total"] == 2
    assert everything["items"][1]["revenue"] == "100.00"
    assert everything["items"][1]["profit"] == "90.00"  # no COGS: no stock, all pending
    assert [s["id"] for s in by_card["items"]] == [old["id"]]
    assert [s["id"] for s in by_day["items"]] == [new["id"]]
    assert [s["id"] for s in searched["items"]] == [old["id"]]
    assert [s["id"] for s in ozon["items"]] == [new["id"]]
    assert [s["id"] for s in oldest_first["items"]] == [old["id"], new["id"]]
    assert page["next_cursor"] is not None and len(page["items"]) == 1
    assert alice.get("/v1/admin/sales", params={"sort": "revenue:asc"}).status_code == 400


def test_cogs_explain_returns_the_lot_chain_of_a_costed_sale(
    alice: httpx.Client, add_card: Callable[..., UUID], stock_in: Callable[..., Any], db: Db
) -> None:
    card = add_card("A-1")
    stock_in(card, 4, "25.00")
    (lot,) = db("SELECT id FROM inventory.lots WHERE card_id = $1", card)
    sale = post_sale(alice, line(card, qty=3)).json()
    costed(alice, sale["id"])

    chain = alice.get(f"/v1/admin/sales/{sale['id']}/cogs")

    assert chain.status_code == 200
    (explained,) = chain.json()["lines"]
    assert explained["sale_line_id"] == sale["lines"][0]["id"]
    assert [(a["lot"]["lot_id"], a["qty"]) for a in explained["allocations"]] == [
        (str(lot["id"]), 3)
    ]
    assert Decimal(explained["cost"]) == Decimal("75.00")


def test_cogs_explain_of_a_sale_inventory_has_not_costed_shows_it_pending(
    alice: httpx.Client, add_card: Callable[..., UUID], db: Db
) -> None:
    card = add_card("A-1")
    # A sale whose event has not reached inventory yet.
    sale_id, line_id = uuid.uuid4(), uuid.uuid4()
    db(
        "INSERT INTO finance.sales (id, user_id, marketplace, occurred_at) "
        "VALUES ($1, $2, 'manual', now())",
        sale_id,
        ALICE.user_id,
    )
    db(
        "INSERT INTO finance.sale_lines (id, user_id, sale_id, line_no, card_id, qty, location, "
        "unit_price, revenue) VALUES ($1, $2, $3, 1, $4, 2, 'home', 10, 20)",
        line_id,
        ALICE.user_id,
        sale_id,
        card,
    )

    chain = alice.get(f"/v1/admin/sales/{sale_id}/cogs")

    assert chain.status_code == 200, chain.text
    assert chain.json()["cogs_status"] == "pending"
    (pending,) = chain.json()["lines"]
    assert pending["sale_line_id"] == str(line_id)
    assert (pending["qty_pending"], pending["cost"], pending["allocations"]) == (2, "0.00", [])


def test_a_sale_posted_without_a_date_is_dated_now(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card = add_card("A-1")
    before = datetime.now(UTC)

    sale = post_sale(alice, line(card)).json()

    assert datetime.fromisoformat(sale["occurred_at"]) >= before
