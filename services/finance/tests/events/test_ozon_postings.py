"""Ozon postings (`mpflow.ozon.posting.upserted`) published through real JetStream become
finance sales, once per posting number: lines mapped to cards by Ozon SKU or offer id,
costed by the running inventory; status changes cancel; returns are recorded once per Ozon
return id; a posting with a product no card is linked to is parked whole and recorded when
such a card arrives. Re-posting the same posting changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D
from typing import Any
from uuid import UUID

import httpx

from finance.main import SERVICE
from mpflow_platform.events import new_event
from mpflow_testing.identity import ALICE
from mpflow_testing.jetstream import JetStream
from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]
assert ALICE.user_id is not None
ALICE_USER: UUID = ALICE.user_id
SOLD_AT = "2026-05-11T09:00:00Z"


def product(sku: int, offer_id: str, quantity: int, price: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "offer_id": offer_id,
        "name": f"product {offer_id}",
        "quantity": quantity,
        "price": price,
        "currency_code": "RUB",
    }


def posting(
    number: str,
    status: str,
    products: list[dict[str, Any]],
    *,
    scheme: str = "fbo",
    returns: list[dict[str, Any]] | None = None,
    status_changed_at: str | None = None,
) -> dict[str, Any]:
    return {
        "posting_number": number,
        "order_number": number.rsplit("-", 1)[0],
        "account_id": None,
        "scheme": scheme,
        "status": status,
        "in_process_at": SOLD_AT,
        "created_at": SOLD_AT,
        "status_changed_at": status_changed_at,
        "products": products,
        "returns": returns or [],
    }


def publish(jetstream: JetStream, data: dict[str, Any]) -> None:
    """Publish a posting as the ozon service does (a new event id every time) and wait until
    finance has handled it."""
    seq, duplicate = jetstream.publish(
        new_event("ozon.posting.upserted", data, user_id=ALICE_USER, source="ozon")
    )
    assert not duplicate
    jetstream.wait_handled(seq, consumer=SERVICE)


def sales_of(db: Db, number: str) -> list[dict[str, Any]]:
    return db(
        "SELECT id, status, marketplace_status, occurred_at, cogs_status, source "
        "FROM finance.sales WHERE user_id = $1 AND marketplace = 'ozon' AND external_id = $2",
        ALICE_USER,
        number,
    )


def one_sale(db: Db, number: str) -> dict[str, Any]:
    [sale] = sales_of(db, number)
    return sale


def lines_of(db: Db, sale_id: UUID) -> list[dict[str, Any]]:
    return db(
        "SELECT id, card_id, qty, unit_price, revenue, location, fees, qty_returned "
        "FROM finance.sale_lines WHERE sale_id = $1 ORDER BY line_no",
        sale_id,
    )


def accruals_of(db: Db, sale_id: UUID) -> list[tuple[str, str, D, int]]:
    rows = db(
        "SELECT source_key, kind, amount, qty FROM finance.accruals "
        "WHERE user_id = $1 AND sale_id = $2 ORDER BY source_key",
        ALICE_USER,
        sale_id,
    )
    return [(r["source_key"], r["kind"], r["amount"], r["qty"]) for r in rows]


def returns_of(db: Db, sale_id: UUID) -> list[dict[str, Any]]:
    return db(
        "SELECT id, kind, location, external_id FROM finance.sale_returns "
        "WHERE sale_id = $1 ORDER BY external_id",
        sale_id,
    )


def test_a_delivered_posting_becomes_one_sale_that_inventory_costs(
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    jetstream: JetStream,
    db: Db,
    alice: httpx.Client,
) -> None:
    mug = add_card("MUG-BLK", ozon_sku=1703412671, offer_id="KRUZ-350-BLK")
    plate = add_card("PLATE-1", offer_id="PLATE-WHT")  # linked by its offer id only
    stock_in(mug, 5, "100.00", location="marketplace:ozon", occurred_at="2026-05-01T00:00:00Z")
    stock_in(plate, 3, "40.00", location="marketplace:ozon", occurred_at="2026-05-01T00:00:00Z")

    publish(
        jetstream,
        posting(
            "58544282-0057-1",
            "delivered",
            [
                product(1703412671, "KRUZ-350-BLK", 2, "590.00"),
                product(99, "PLATE-WHT", 1, "610.5000"),
            ],
        ),
    )

    sale = one_sale(db, "58544282-0057-1")
    assert sale["status"] == "active"
    assert sale["marketplace_status"] == "delivered"
    assert sale["source"] == "ozon"
    assert sale["occurred_at"].isoformat() == "2026-05-11T09:00:00+00:00"
    lines = lines_of(db, sale["id"])
    assert [
        (ln["card_id"], ln["qty"], ln["unit_price"], ln["revenue"], ln["location"]) for ln in lines
    ] == [
        (mug, 2, D("590.00"), D("1180.00"), "marketplace:ozon"),
        (plate, 1, D("610.50"), D("610.50"), "marketplace:ozon"),
    ]
    assert all(ln["fees"] == {} for ln in lines), "fees come with the finance operations"

    costed = wait_until(
        lambda: (
            (s := alice.get(f"/v1/admin/sales/{sale['id']}").json())["cogs_status"] == "costed"
            and s
        )
    )
    assert [(ln["qty_costed"], ln["cogs"]) for ln in costed["lines"]] == [
        (2, "200.00"),
        (1, "40.00"),
    ]


def test_the_same_posting_published_again_changes_nothing(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    add_card("MUG-BLK", ozon_sku=1703412671, offer_id="KRUZ-350-BLK")
    data = posting("111-0001-1", "delivering", [product(1703412671, "KRUZ-350-BLK", 3, "590.00")])
    publish(jetstream, data)
    sale = one_sale(db, "111-0001-1")
    before = accruals_of(db, sale["id"])
    outbox_before = db("SELECT count(*) AS n FROM finance.outbox")[0]["n"]

    publish(jetstream, data)
    publish(jetstream, {**data, "status": "delivered"})

    again = one_sale(db, "111-0001-1")
    assert again["id"] == sale["id"]
    assert again["marketplace_status"] == "delivered"
    assert len(lines_of(db, sale["id"])) == 1
    assert accruals_of(db, sale["id"]) == before
    assert before == [
        (f"sale:{lines_of(db, sale['id'])[0]['id']}:revenue", "revenue", D("1770.00"), 3)
    ]
    assert db("SELECT count(*) AS n FROM finance.outbox")[0]["n"] == outbox_before, (
        "no second sales.sale.recorded"
    )


def test_a_posting_cancelled_afterwards_cancels_its_sale_once(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    add_card("MUG-BLK", ozon_sku=1703412671)
    data = posting("222-0001-1", "awaiting_deliver", [product(1703412671, "MUG", 2, "500.00")])
    publish(jetstream, data)
    sale = one_sale(db, "222-0001-1")

    cancelled = {**data, "status": "cancelled", "status_changed_at": "2026-05-12T10:00:00Z"}
    publish(jetstream, cancelled)
    publish(jetstream, cancelled)

    after = one_sale(db, "222-0001-1")
    assert (after["status"], after["marketplace_status"]) == ("cancelled", "cancelled")
    line_id = lines_of(db, sale["id"])[0]["id"]
    assert accruals_of(db, sale["id"]) == [
        (f"cancel:{line_id}:revenue", "revenue", D("-1000.00"), -2),
        (f"sale:{line_id}:revenue", "revenue", D("1000.00"), 2),
    ]
    [reversal] = db(
        "SELECT occurred_at FROM finance.accruals WHERE source_key = $1",
        f"cancel:{line_id}:revenue",
    )
    assert reversal["occurred_at"].isoformat() == "2026-05-12T10:00:00+00:00"
    assert db("SELECT cancelled_at FROM finance.sales WHERE id = $1", sale["id"])[0]["cancelled_at"]


def test_a_posting_first_seen_cancelled_is_stored_cancelled_with_nothing_booked(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    add_card("MUG-BLK", ozon_sku=1703412671)

    publish(
        jetstream, posting("333-0001-1", "cancelled", [product(1703412671, "MUG", 1, "500.00")])
    )

    sale = one_sale(db, "333-0001-1")
    assert (sale["status"], sale["cogs_status"]) == ("cancelled", "cancelled")
    assert len(lines_of(db, sale["id"])) == 1
    assert accruals_of(db, sale["id"]) == []


def test_returns_are_recorded_once_per_ozon_return_id(
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    jetstream: JetStream,
    db: Db,
) -> None:
    mug = add_card("MUG-BLK", ozon_sku=1703412671)
    stock_in(mug, 5, "100.00", location="home", occurred_at="2026-05-01T00:00:00Z")
    data = posting(
        "444-0001-1", "delivered", [product(1703412671, "MUG", 3, "500.00")], scheme="fbs"
    )
    publish(jetstream, data)
    sale = one_sale(db, "444-0001-1")

    returned = {
        **data,
        "returns": [
            {
                "return_id": "1000015552",
                "sku": 1703412671,
                "offer_id": "MUG",
                "quantity": 1,
                "returned_at": "2026-05-14T11:20:31Z",
                "kind": "restock",
            },
            {
                "return_id": "1000015553",
                "sku": 1703412671,
                "offer_id": "MUG",
                "quantity": 1,
                "returned_at": "2026-05-15T08:00:00Z",
                "kind": "defect",
            },
        ],
    }
    publish(jetstream, returned)
    publish(jetstream, returned)

    assert [(r["external_id"], r["kind"], r["location"]) for r in returns_of(db, sale["id"])] == [
        ("1000015552", "restock", "home"),
        ("1000015553", "defect", "home"),
    ]
    [line] = lines_of(db, sale["id"])
    assert line["qty_returned"] == 2
    refunds = [a for a in accruals_of(db, sale["id"]) if a[1] == "refund"]
    assert sorted((amount, qty) for _, _, amount, qty in refunds) == [
        (D("-500.00"), 1),
        (D("-500.00"), 1),
    ]


def test_a_posting_with_an_unlinked_product_is_parked_then_recorded_when_its_card_arrives(
    add_card: Callable[..., UUID], jetstream: JetStream, db: Db
) -> None:
    add_card("MUG-BLK", ozon_sku=1703412671)
    data = posting(
        "555-0001-1",
        "delivered",
        [product(1703412671, "MUG", 1, "500.00"), product(777000111, "TEAPOT-1", 1, "1500.00")],
    )

    publish(jetstream, data)

    assert sales_of(db, "555-0001-1") == [], "nothing is half-recorded"
    [waiting] = db(
        "SELECT kind, key, reason, missing_skus, missing_offer_ids, payload "
        "FROM finance.intake_parked WHERE user_id = $1",
        ALICE_USER,
    )
    assert (waiting["kind"], waiting["key"]) == ("ozon_posting", "555-0001-1")
    assert "SKU 777000111" in waiting["reason"]
    assert (waiting["missing_skus"], waiting["missing_offer_ids"]) == ([777000111], ["TEAPOT-1"])
    assert waiting["payload"]["products"][1]["sku"] == 777000111

    teapot = add_card("TEAPOT", ozon_sku=777000111, offer_id="TEAPOT-1")

    sale = one_sale(db, "555-0001-1")
    assert [ln["card_id"] for ln in lines_of(db, sale["id"])][1] == teapot
    assert db("SELECT key FROM finance.intake_parked WHERE user_id = $1", ALICE_USER) == []
