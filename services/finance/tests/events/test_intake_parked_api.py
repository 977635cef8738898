"""`GET /v1/admin/finance/intake/parked`: an operator sees the Ozon postings finance parked
because a product is linked to no card (the reason, the missing SKUs and offer ids, the
posting's products, when it was first and last seen), page by page, only the tenant's own;
a card linking the missing product takes the posting, which leaves the list as a sale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from finance.main import SERVICE
from mpflow_platform.events import new_event
from mpflow_platform.http.identity import Identity
from mpflow_testing.identity import ALICE, BOB
from mpflow_testing.jetstream import JetStream

PARKED = "/v1/admin/finance/intake/parked"
SOLD_AT = "2026-05-11T09:00:00Z"
MUG_SKU, TEAPOT_SKU = 1703412671, 777000111


def product(sku: int, offer_id: str, quantity: int = 1, price: str = "500.00") -> dict[str, Any]:
    return {
        "sku": sku,
        "offer_id": offer_id,
        "name": f"product {offer_id}",
        "quantity": quantity,
        "price": price,
        "currency_code": "RUB",
    }


def posting(
    number: str, products: list[dict[str, Any]], status: str = "delivered"
) -> dict[str, Any]:
    return {
        "posting_number": number,
        "order_number": number.rsplit("-", 1)[0],
        "account_id": None,
        "scheme": "fbo",
        "status": status,
        "in_process_at": SOLD_AT,
        "created_at": SOLD_AT,
        "status_changed_at": None,
        "products": products,
        "returns": [],
    }


def publish(jetstream: JetStream, data: dict[str, Any], identity: Identity = ALICE) -> None:
    """Publish a posting as the ozon service does and wait until finance has handled it."""
    seq, duplicate = jetstream.publish(
        new_event("ozon.posting.upserted", data, user_id=identity.user_id, source="ozon")
    )
    assert not duplicate
    jetstream.wait_handled(seq, consumer=SERVICE)


def parked(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get(PARKED, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def at(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def test_a_parked_posting_is_listed_with_its_reason_until_a_card_takes_it(
    add_card: Callable[..., UUID], jetstream: JetStream, alice: httpx.Client
) -> None:
    add_card("MUG-BLK", ozon_sku=MUG_SKU)
    data = posting("555-0001-1", [product(MUG_SKU, "MUG"), product(TEAPOT_SKU, "TEAPOT-1", 2)])
    publish(jetstream, data)

    page = parked(alice)
    assert (page["total"], page["next_cursor"]) == (1, None)
    [item] = page["items"]
    assert (item["kind"], item["key"], item["status"]) == (
        "ozon_posting",
        "555-0001-1",
        "delivered",
    )
    assert "SKU 777000111 (offer TEAPOT-1)" in item["reason"]
    assert (item["missing_skus"], item["missing_offer_ids"]) == ([TEAPOT_SKU], ["TEAPOT-1"])
    assert [(p["sku"], p["offer_id"], p["name"], p["quantity"]) for p in item["products"]] == [
        (MUG_SKU, "MUG", "product MUG", 1),
        (TEAPOT_SKU, "TEAPOT-1", "product TEAPOT-1", 2),
    ]
    assert item["attempts"] == 1
    assert at(item["created_at"]) <= at(item["updated_at"])
    at(item["seen_at"])
    assert "payload" not in item, "the raw payload stays in the database"
    assert alice.get("/v1/admin/sales").json()["total"] == 0, "nothing is half-recorded"

    teapot = add_card("TEAPOT", ozon_sku=TEAPOT_SKU, offer_id="TEAPOT-1")

    assert parked(alice) == {"items": [], "total": 0, "next_cursor": None}
    [sale] = alice.get("/v1/admin/sales").json()["items"]
    assert (sale["marketplace"], sale["external_id"]) == ("ozon", "555-0001-1")
    lines = alice.get(f"/v1/admin/sales/{sale['id']}").json()["lines"]
    assert [(ln["sku"], ln["qty"]) for ln in lines] == [("MUG-BLK", 1), ("TEAPOT", 2)]
    assert lines[1]["card_id"] == str(teapot)


def test_a_posting_parked_again_counts_the_attempt_and_its_last_sighting(
    jetstream: JetStream, alice: httpx.Client
) -> None:
    data = posting("556-0001-1", [product(TEAPOT_SKU, "TEAPOT-1")], status="awaiting_deliver")
    publish(jetstream, data)
    first = parked(alice)["items"][0]

    publish(jetstream, {**data, "status": "delivering"})

    [again] = parked(alice)["items"]
    assert again["key"] == "556-0001-1"
    assert (again["attempts"], again["status"]) == (2, "delivering")
    assert again["created_at"] == first["created_at"], "first parked stays"
    assert at(again["updated_at"]) > at(first["updated_at"])
    assert at(again["seen_at"]) >= at(first["seen_at"])


def test_each_tenant_sees_only_its_own_parked_postings_and_cards_take_only_their_own(
    add_card: Callable[..., UUID],
    jetstream: JetStream,
    alice: httpx.Client,
    bob: httpx.Client,
) -> None:
    publish(jetstream, posting("700-0001-1", [product(TEAPOT_SKU, "TEAPOT-1")]))

    assert parked(bob) == {"items": [], "total": 0, "next_cursor": None}
    assert parked(bob, q="700-0001-1")["total"] == 0

    publish(jetstream, posting("800-0001-1", [product(TEAPOT_SKU, "TEAPOT-1")]), identity=BOB)
    assert [i["key"] for i in parked(bob)["items"]] == ["800-0001-1"]
    assert [i["key"] for i in parked(alice)["items"]] == ["700-0001-1"]

    add_card("TEAPOT", ozon_sku=TEAPOT_SKU, offer_id="TEAPOT-1")  # alice's card

    assert parked(alice)["total"] == 0
    assert [i["key"] for i in parked(bob)["items"]] == ["800-0001-1"], "bob's still waits"
    assert bob.get("/v1/admin/sales").json()["total"] == 0


def test_the_list_pages_sorts_and_searches(jetstream: JetStream, alice: httpx.Client) -> None:
    for number in ("901-0001-1", "902-0001-1", "903-0001-1"):
        publish(jetstream, posting(number, [product(TEAPOT_SKU, "TEAPOT-1")]))
    publish(jetstream, posting("901-0001-1", [product(TEAPOT_SKU, "TEAPOT-1")], "delivering"))

    newest_first = [i["key"] for i in parked(alice)["items"]]
    assert newest_first == ["903-0001-1", "902-0001-1", "901-0001-1"]
    assert [i["key"] for i in parked(alice, sort="created_at:asc")["items"]] == newest_first[::-1]
    assert [i["key"] for i in parked(alice, sort="updated_at:desc")["items"]][0] == "901-0001-1"

    first = parked(alice, limit=2)
    assert (first["total"], len(first["items"])) == (3, 2)
    second = parked(alice, limit=2, cursor=first["next_cursor"])
    assert [i["key"] for i in first["items"] + second["items"]] == newest_first
    assert second["next_cursor"] is None

    assert [i["key"] for i in parked(alice, q="902")["items"]] == ["902-0001-1"]
    assert parked(alice, q="SKU 777000111", kind="ozon_posting")["total"] == 3


def test_bad_list_parameters_are_problems_not_errors(alice: httpx.Client) -> None:
    for params, status, code in (
        ({"sort": "reason:asc"}, 400, "invalid_sort"),
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor"),
        ({"kind": "wb_order"}, 422, None),
        ({"limit": 0}, 422, None),
    ):
        response = alice.get(PARKED, params=params)
        assert response.status_code == status, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if code is not None:
            assert response.json()["error_code"] == code
