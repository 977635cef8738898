"""GET /v1/admin/inventory: every active card of the tenant with its stock (zero for now)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
INVENTORY = "/v1/admin/inventory"
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
BOB_ID = UUID("00000000-0000-7000-8000-000000000b0b")


def _list(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get(INVENTORY, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _skus(page: dict[str, Any]) -> list[str]:
    return [row["sku"] for row in page["items"]]


def test_a_tenant_without_cards_has_an_empty_inventory(alice: httpx.Client) -> None:
    page = _list(alice)

    assert page == {"items": [], "total": 0, "next_cursor": None}


def test_each_active_card_is_listed_with_zero_quantity_and_value(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    card_id = add_card("KETTLE-1", "Чайник")

    page = _list(alice)

    assert page["items"] == [
        {
            "card_id": str(card_id),
            "sku": "KETTLE-1",
            "title": "Чайник",
            "quantity": 0,
            "value": "0.00",
            "locations": [],
        }
    ]


def test_archived_cards_are_neither_listed_nor_counted(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    add_card("ACTIVE-1")
    add_card("ARCHIVED-1", status="archived")

    page = _list(alice)

    assert _skus(page) == ["ACTIVE-1"]
    assert page["total"] == 1


def test_another_tenants_cards_are_not_listed(
    bob: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    add_card("ALICE-1", user_id=ALICE_ID)
    add_card("BOB-1", user_id=BOB_ID)

    page = _list(bob)

    assert _skus(page) == ["BOB-1"]
    assert page["total"] == 1


def test_pages_follow_next_cursor_until_every_card_is_seen_once(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    created = {str(add_card(f"SKU-{i}")) for i in range(5)}

    first = _list(alice, limit=2)
    second = _list(alice, limit=2, cursor=first["next_cursor"])
    third = _list(alice, limit=2, cursor=second["next_cursor"])

    assert [len(p["items"]) for p in (first, second, third)] == [2, 2, 1]
    assert {p["total"] for p in (first, second, third)} == {5}
    assert third["next_cursor"] is None
    seen = [row["card_id"] for p in (first, second, third) for row in p["items"]]
    assert sorted(seen) == sorted(created)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["A-1", "B-2", "C-3"]),
        ("sku:desc", ["C-3", "B-2", "A-1"]),
        ("title:asc", ["C-3", "A-1", "B-2"]),
        ("title:desc", ["B-2", "A-1", "C-3"]),
    ],
)
def test_rows_sort_by_sku_by_default_or_by_a_whitelisted_field(
    alice: httpx.Client, add_card: Callable[..., UUID], sort: str | None, expected: list[str]
) -> None:
    add_card("B-2", "Yellow")
    add_card("C-3", "Apple")
    add_card("A-1", "Banana")

    page = _list(alice, **({"sort": sort} if sort else {}))

    assert _skus(page) == expected


@pytest.mark.parametrize("sort", ["created_at:desc", "status", "card_id:asc", "sku:sideways"])
def test_an_unknown_sort_is_a_400_problem(alice: httpx.Client, sort: str) -> None:
    response = alice.get(INVENTORY, params={"sort": sort})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error_code"] == "invalid_sort"


def test_q_matches_sku_or_title_case_insensitively(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    add_card("KETTLE-1", "Electric kettle")
    add_card("MUG-2", "Mug for a kettle")
    add_card("PLATE-3", "Plate")

    by_sku = _list(alice, q="kettle-")
    by_title = _list(alice, q="KETTLE")

    assert _skus(by_sku) == ["KETTLE-1"]
    assert _skus(by_title) == ["KETTLE-1", "MUG-2"]
    assert by_title["total"] == 2


@pytest.mark.parametrize("limit", [0, 501])
def test_a_limit_outside_1_to_500_is_a_422_naming_the_limit(
    alice: httpx.Client, limit: int
) -> None:
    response = alice.get(INVENTORY, params={"limit": limit})

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid_params"]] == ["limit"]


def test_a_search_text_with_a_nul_character_is_a_422_problem(alice: httpx.Client) -> None:
    response = alice.get(INVENTORY, params={"q": "a\x00b"})

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid_params"]] == ["q"]


def test_an_unsigned_call_is_a_401_problem(unsigned: httpx.Client) -> None:
    response = unsigned.get(INVENTORY)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error_code"] == "gateway_signature_required"


def test_an_anonymous_call_signed_by_the_gateway_is_a_401_problem(
    anonymous: httpx.Client,
) -> None:
    response = anonymous.get(INVENTORY)

    assert response.status_code == 401
    assert response.json()["error_code"] == "unauthorized"
