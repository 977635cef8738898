"""Internal endpoints finance reads (gateway-signed tenant identity, not in the public
schema): availability per card and location (the negative-stock check of manual sales) and
stock valuation (units and value at cost per card and location)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

INVENTORY = "/v1/admin/inventory"


def _opening(client: httpx.Client, card: UUID, qty: int, unit_cost: str, location: str) -> None:
    body = {
        "location": location,
        "lines": [{"card_id": str(card), "qty": qty, "unit_cost": unit_cost}],
    }
    answer = client.post(f"{INVENTORY}/initial-balance", json=body)
    assert answer.status_code == 201, answer.text


def _get(client: httpx.Client, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_availability_lists_units_on_hand_per_location_of_the_cards_asked_for(
    alice: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a, b, c = add_card("A"), add_card("B"), add_card("C")
    _opening(alice, a, 5, "10", "home")
    _opening(alice, a, 2, "10", "marketplace:ozon")
    _opening(alice, c, 1, "10", "home")
    moved = alice.post(
        f"{INVENTORY}/transfers",
        json={"card_id": str(a), "from": "home", "to": "in_transit", "qty": 5},
    )
    assert moved.status_code == 201, moved.text

    items = _get(alice, "/internal/availability", card_id=[str(a), str(b)])["items"]

    assert items == [
        {"card_id": str(a), "location": "in_transit", "qty": 5},
        {"card_id": str(a), "location": "marketplace:ozon", "qty": 2},
    ]


def test_stock_valuation_gives_units_and_value_at_cost_per_card_and_location(
    alice: httpx.Client, bob: httpx.Client, add_card: Callable[..., UUID]
) -> None:
    a, b = add_card("A-1", "Чайник"), add_card("B-1", "Утюг")
    _opening(alice, a, 3, "3.3333", "home")
    _opening(alice, b, 1, "250.50", "marketplace:ozon")
    add_card("EMPTY")

    items = _get(alice, "/internal/stock-valuation")["items"]

    assert items == [
        {
            "card_id": str(a),
            "sku": "A-1",
            "title": "Чайник",
            "location": "home",
            "qty": 3,
            "value": "10.00",
        },
        {
            "card_id": str(b),
            "sku": "B-1",
            "title": "Утюг",
            "location": "marketplace:ozon",
            "qty": 1,
            "value": "250.50",
        },
    ]
    assert _get(bob, "/internal/stock-valuation")["items"] == []


def test_the_internal_endpoints_need_a_signed_identity(unsigned: httpx.Client) -> None:
    assert unsigned.get("/internal/stock-valuation").status_code == 401
    card = "00000000-0000-7000-8000-000000000001"
    assert unsigned.get("/internal/availability", params={"card_id": card}).status_code == 401
