"""Master cards through the real gateway: create, read, PATCH merging attributes, archive,
search, filters and cursor pagination, under the catalog scopes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import RunningSystem

CARDS = "/v1/admin/master-cards"


def _owner(system: RunningSystem) -> httpx.Client:
    return system.client(system.login(*system.new_tenant()))


def _all_pages(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(CARDS, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(items) == body["total"]
            return items


def test_cards_crud_search_filters_and_pages_through_the_gateway(system: RunningSystem) -> None:
    with _owner(system) as owner:
        for i in range(7):
            created = owner.post(
                CARDS,
                json={
                    "sku": f"CUP-{i}",
                    "title": f"Чашка {i}",
                    "brand": "Luminarc" if i % 2 else "Bormioli",
                    "barcodes": [f"46000000000{i:02d}"],
                    "attributes": {"volume_ml": 250 + i, "color": "white"},
                },
            )
            assert created.status_code == 201, created.text
        cup = owner.get(CARDS, params={"q": "4600000000003"}).json()["items"][0]

        patched = owner.patch(
            f"{CARDS}/{cup['id']}",
            json={"attributes": {"color": None, "handle": True}, "weight_g": 320},
        )
        archived = owner.delete(
            f"{CARDS}/{owner.get(CARDS, params={'q': 'CUP-6'}).json()['items'][0]['id']}"
        )

        assert patched.status_code == 200, patched.text
        assert patched.json()["attributes"] == {"volume_ml": 253, "handle": True}
        assert patched.json()["weight_g"] == 320
        assert archived.status_code == 200 and archived.json()["status"] == "archived"
        paged = _all_pages(owner, limit=2, sort="sku:desc")
        assert [c["sku"] for c in paged] == [f"CUP-{i}" for i in range(6, -1, -1)]
        active = _all_pages(owner, limit=3, status="active", brand="luminarc", sort="sku")
        assert [c["sku"] for c in active] == ["CUP-1", "CUP-3", "CUP-5"]
        assert owner.get(f"{CARDS}/{cup['id']}").json()["attributes"]["handle"] is True


def test_a_catalog_read_key_reads_cards_but_cannot_change_them(system: RunningSystem) -> None:
    with _owner(system) as owner:
        card = owner.post(CARDS, json={"sku": "TEA-1", "title": "Чай"}).json()
        key = owner.post("/v1/admin/api-keys", json={"name": "r", "scopes": ["catalog:read"]})
        with system.client(key.json()["key"]) as reader:
            read = reader.get(f"{CARDS}/{card['id']}")
            patched = reader.patch(f"{CARDS}/{card['id']}", json={"title": "Кофе"})
            archived = reader.delete(f"{CARDS}/{card['id']}")

        assert read.status_code == 200 and read.json()["title"] == "Чай"
        assert (patched.status_code, archived.status_code) == (403, 403)
        assert owner.get(f"{CARDS}/{card['id']}").json()["status"] == "active"
