"""Master cards beyond create: typed details, PATCH merging attributes, archive instead of
delete, sources and marketplace links as rows, filters, and the events that carry them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"

FULL = {
    "sku": "KETTLE-17",
    "title": "Чайник электрический 1,7 л",
    "description": "Стеклянная колба, подсветка.",
    "brand": "Polaris",
    "barcodes": ["4601234567890", "4601234567890", "SKU-BOX-1"],
    "dimensions": {"length_mm": 220, "width_mm": 180, "height_mm": 250},
    "weight_g": 1150,
    "attributes": {"color": "black", "power_w": 2200, "kit": ["base", "manual"]},
    "purchase_price": {"amount": "58.5", "currency": "cny"},
    "sources": [
        {
            "provider": "1688",
            "url": "https://detail.1688.com/offer/1.html",
            "price_tiers": [
                {"min_qty": 1, "price": "61.00", "currency": "CNY"},
                {"min_qty": 100, "price": "58.50", "currency": "CNY"},
            ],
        }
    ],
    "links": [{"offer_id": "KETTLE-17", "product_id": 123456789, "sku": 987654321}],
}


def _create(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(CARDS, json=body)
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def _events(db: Db) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM catalog.outbox ORDER BY seq")
    return [r["payload"] for r in rows]


def test_a_card_keeps_every_detail_as_typed_fields(alice: httpx.Client, db: Db) -> None:
    card = _create(alice, FULL)

    assert card["barcodes"] == ["4601234567890", "SKU-BOX-1"]  # duplicates dropped
    assert card["dimensions"] == FULL["dimensions"] and card["weight_g"] == 1150
    assert card["purchase_price"] == {"amount": "58.5000", "currency": "CNY"}
    assert card["attributes"] == FULL["attributes"]
    (source,) = card["sources"]
    assert source["kind"] == "supplier" and source["price_tiers"][1]["price"] == "58.50"
    assert card["links"] == [
        {"marketplace": "ozon", "offer_id": "KETTLE-17", "product_id": 123456789, "sku": 987654321}
    ]
    assert alice.get(f"{CARDS}/{card['id']}").json() == card
    (row,) = db("SELECT length_mm, weight_g, brand, barcodes FROM catalog.master_cards")
    assert row == {
        "length_mm": 220,
        "weight_g": 1150,
        "brand": "Polaris",
        "barcodes": ["4601234567890", "SKU-BOX-1"],
    }
    assert db("SELECT offer_id, product_id FROM catalog.marketplace_links") == [
        {"offer_id": "KETTLE-17", "product_id": 123456789}
    ]
    (event,) = _events(db)
    assert event["data"]["length_mm"] == 220 and event["data"]["weight_g"] == 1150
    assert event["data"]["links"] == card["links"]


def test_patch_merges_attributes_and_replaces_what_it_names(alice: httpx.Client, db: Db) -> None:
    card = _create(alice, FULL)

    response = alice.patch(
        f"{CARDS}/{card['id']}",
        json={
            "title": "Чайник 1,7 л, чёрный",
            "attributes": {"color": None, "power_w": 2000, "warranty_months": 12},
            "barcodes": ["4601234567891"],
            "dimensions": None,
        },
    )

    assert response.status_code == 200, response.text
    after = response.json()
    assert after["attributes"] == {
        "power_w": 2000,
        "kit": ["base", "manual"],
        "warranty_months": 12,
    }
    assert after["title"] == "Чайник 1,7 л, чёрный" and after["barcodes"] == ["4601234567891"]
    assert after["dimensions"] is None and after["weight_g"] == 1150  # untouched
    assert after["brand"] == "Polaris" and after["links"] == card["links"]
    assert after["version"] == card["version"] + 1
    created, updated = _events(db)
    assert updated["type"] == "catalog.card.updated"
    assert updated["data"]["title"] == "Чайник 1,7 л, чёрный"
    assert updated["data"]["length_mm"] is None and updated["data"]["version"] == 2


def test_a_patch_that_changes_nothing_publishes_nothing(alice: httpx.Client, db: Db) -> None:
    card = _create(alice, FULL)

    response = alice.patch(
        f"{CARDS}/{card['id']}",
        json={"title": FULL["title"], "attributes": {"color": "black"}, "links": FULL["links"]},
    )

    assert response.status_code == 200 and response.json()["version"] == card["version"]
    assert len(_events(db)) == 1


def test_delete_archives_and_patch_brings_a_card_back(alice: httpx.Client, db: Db) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})

    archived = alice.delete(f"{CARDS}/{card['id']}")
    again = alice.delete(f"{CARDS}/{card['id']}")

    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert archived.json()["archived_at"] is not None
    assert again.json()["version"] == archived.json()["version"]
    assert alice.get(f"{CARDS}/{card['id']}").json()["status"] == "archived"
    assert [e["type"] for e in _events(db)] == ["catalog.card.created", "catalog.card.archived"]
    restored = alice.patch(f"{CARDS}/{card['id']}", json={"status": "active"}).json()
    assert restored["status"] == "active" and restored["archived_at"] is None
    assert _events(db)[-1]["type"] == "catalog.card.updated"


def test_sources_are_added_and_removed(alice: httpx.Client) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})
    path = f"{CARDS}/{card['id']}/sources"

    added = alice.post(path, json={"kind": "competitor", "provider": "ozon", "ref": "12345"})

    assert added.status_code == 201, added.text
    source = added.json()
    assert alice.get(f"{CARDS}/{card['id']}").json()["sources"] == [source]
    assert alice.delete(f"{path}/{source['id']}").status_code == 204
    assert alice.get(f"{CARDS}/{card['id']}").json()["sources"] == []
    gone = alice.delete(f"{path}/{source['id']}")
    assert gone.status_code == 404 and gone.json()["error_code"] == "source_not_found"


def test_a_marketplace_id_links_one_card_only(alice: httpx.Client, bob: httpx.Client) -> None:
    _create(alice, FULL)
    other = _create(alice, {"sku": "KETTLE-18", "title": "Чайник 1,8 л"})

    for link in (
        {"offer_id": "KETTLE-17"},
        {"offer_id": "OTHER", "product_id": 123456789},
        {"offer_id": "OTHER", "sku": 987654321},
    ):
        taken = alice.patch(f"{CARDS}/{other['id']}", json={"links": [link]})
        assert taken.status_code == 409 and taken.json()["error_code"] == "link_taken"
    assert alice.get(f"{CARDS}/{other['id']}").json()["links"] == []
    # Another tenant may use the same marketplace ids for its own card.
    assert (
        _create(bob, FULL)["links"]
        == alice.get(CARDS, params={"has_link": True}).json()["items"][0]["links"]
    )


def test_lists_filter_by_status_brand_link_and_search_barcodes(alice: httpx.Client) -> None:
    kettle = _create(alice, FULL)
    mug = _create(alice, {"sku": "MUG-1", "title": "Кружка", "brand": "polaris", "status": "draft"})
    spoon = _create(alice, {"sku": "SPOON-1", "title": "Ложка", "brand": "Tefal"})
    alice.delete(f"{CARDS}/{spoon['id']}")

    def skus(**params: Any) -> list[str]:
        page = alice.get(CARDS, params={"sort": "sku", **params})
        assert page.status_code == 200, page.text
        return [c["sku"] for c in page.json()["items"]]

    assert skus() == ["KETTLE-17", "MUG-1", "SPOON-1"]
    assert skus(status="draft") == ["MUG-1"]
    assert skus(status=["active", "draft"]) == ["KETTLE-17", "MUG-1"]
    assert skus(brand="POLARIS") == ["KETTLE-17", "MUG-1"]
    assert skus(has_link="true") == [kettle["sku"]]
    assert skus(has_link="false") == [mug["sku"], spoon["sku"]]
    assert skus(q="4601234567890") == ["KETTLE-17"]
    assert skus(q="460123") == []  # barcodes match exactly, not by part
    assert skus(q="tefal") == ["SPOON-1"]
    assert alice.get(CARDS, params={"status": "deleted"}).status_code == 422


def test_another_tenants_card_cannot_be_changed(alice: httpx.Client, bob: httpx.Client) -> None:
    card = _create(alice, FULL)
    source_id = card["sources"][0]["id"]

    answers = [
        bob.patch(f"{CARDS}/{card['id']}", json={"title": "mine"}),
        bob.delete(f"{CARDS}/{card['id']}"),
        bob.post(f"{CARDS}/{card['id']}/sources", json={"provider": "x", "ref": "1"}),
        bob.delete(f"{CARDS}/{card['id']}/sources/{source_id}"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert alice.get(f"{CARDS}/{card['id']}").json() == card


@pytest.mark.parametrize(
    "body",
    [
        {"unknown": 1},
        {"sku": None},
        {"title": ""},
        {"status": "deleted"},
        {"barcodes": ["46 01"]},
        {"barcodes": [str(i) for i in range(21)]},
        {"weight_g": 0},
        {"dimensions": {"length_mm": 10, "width_mm": 10}},
        {"attributes": {"a\u0000": 1}},
        {"attributes": {"a": "b\u0000"}},
        {"attributes": {"a": {"deep": ["x\u0000"]}}},
        {"attributes": {"": 1}},
        {"attributes": {"big": "x" * 70_000}},
        {"purchase_price": {"amount": "-1", "currency": "CNY"}},
        {"purchase_price": {"amount": "1", "currency": "YUAN"}},
        {"links": [{"offer_id": "A"}, {"offer_id": "A"}]},
        {"links": [{"offer_id": "A", "product_id": 0}]},
        {"links": [{"offer_id": "A", "marketplace": "wb"}]},
        {"description": "x" * 10_001},
    ],
)
def test_bad_patches_are_refused_and_change_nothing(
    alice: httpx.Client, db: Db, body: dict[str, Any]
) -> None:
    card = _create(alice, FULL)

    response = alice.patch(f"{CARDS}/{card['id']}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert alice.get(f"{CARDS}/{card['id']}").json() == card
    assert len(_events(db)) == 1


@pytest.mark.parametrize(
    "source",
    [
        {"provider": "1688"},
        {"provider": "1688", "url": "javascript:alert(1)"},
        {
            "provider": "1688",
            "ref": "1",
            "price_tiers": [{"min_qty": 0, "price": "1", "currency": "CNY"}],
        },
        {"provider": "1688", "ref": "1", "kind": "friend"},
    ],
)
def test_bad_sources_are_refused(alice: httpx.Client, source: dict[str, Any]) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})
    response = alice.post(f"{CARDS}/{card['id']}/sources", json=source)
    assert response.status_code == 422, response.text
    assert alice.get(f"{CARDS}/{card['id']}").json()["sources"] == []


def test_a_sku_can_be_renamed_but_not_onto_another_card(alice: httpx.Client) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})
    _create(alice, {"sku": "MUG-2", "title": "Кружка 2"})

    clash = alice.patch(f"{CARDS}/{card['id']}", json={"sku": "MUG-2"})
    renamed = alice.patch(f"{CARDS}/{card['id']}", json={"sku": "MUG-1B"})

    assert clash.status_code == 409 and clash.json()["error_code"] == "duplicate_sku"
    assert renamed.status_code == 200 and renamed.json()["sku"] == "MUG-1B"


def test_attributes_stay_within_their_limits_after_any_number_of_patches(
    alice: httpx.Client,
) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})
    path = f"{CARDS}/{card['id']}"
    for batch in range(4):
        keys = {f"k{batch}-{i}": i for i in range(50)}
        assert alice.patch(path, json={"attributes": keys}).status_code == 200

    refused = alice.patch(path, json={"attributes": {"one-too-many": 1}})

    assert refused.status_code == 422 and refused.json()["error_code"] == "invalid_attributes"
    assert len(alice.get(path).json()["attributes"]) == 200


def test_a_card_holds_a_bounded_number_of_sources(alice: httpx.Client) -> None:
    card = _create(alice, {"sku": "MUG-1", "title": "Кружка"})
    path = f"{CARDS}/{card['id']}/sources"
    for i in range(20):
        added = alice.post(path, json={"provider": "1688", "ref": f"item-{i}"})
        assert added.status_code == 201, added.text

    refused = alice.post(path, json={"provider": "1688", "ref": "item-20"})

    assert refused.status_code == 409 and refused.json()["error_code"] == "too_many_sources"
    assert len(alice.get(f"{CARDS}/{card['id']}").json()["sources"]) == 20
