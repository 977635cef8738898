"""GET /v1/admin/master-cards: pages, search, sort, limits (API.md list conventions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"


def _create(client: httpx.Client, sku: str, title: str = "a card") -> dict[str, Any]:
    response = client.post(CARDS, json={"sku": sku, "title": title})
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def _list(client: httpx.Client, **params: Any) -> dict[str, Any]:
    response = client.get(CARDS, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _skus(page: dict[str, Any]) -> list[str]:
    return [card["sku"] for card in page["items"]]


def test_a_new_tenant_has_an_empty_list(alice: httpx.Client) -> None:
    page = _list(alice)

    assert page == {"items": [], "total": 0, "next_cursor": None}


def test_pages_follow_next_cursor_until_every_card_is_seen_once(alice: httpx.Client) -> None:
    created = {_create(alice, f"SKU-{i}")["id"] for i in range(5)}

    first = _list(alice, limit=2)
    second = _list(alice, limit=2, cursor=first["next_cursor"])
    third = _list(alice, limit=2, cursor=second["next_cursor"])

    assert [len(p["items"]) for p in (first, second, third)] == [2, 2, 1]
    assert [p["total"] for p in (first, second, third)] == [5, 5, 5]
    assert first["next_cursor"] and second["next_cursor"]
    assert third["next_cursor"] is None
    seen = [card["id"] for p in (first, second, third) for card in p["items"]]
    assert sorted(seen) == sorted(created)


def test_a_full_last_page_has_no_next_cursor(alice: httpx.Client) -> None:
    for i in range(2):
        _create(alice, f"SKU-{i}")

    page = _list(alice, limit=2)

    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


def test_the_default_order_is_newest_first(alice: httpx.Client) -> None:
    for sku in ("OLD", "MIDDLE", "NEW"):
        _create(alice, sku)

    page = _list(alice)

    assert _skus(page) == ["NEW", "MIDDLE", "OLD"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("sku:asc", ["A-1", "B-2", "C-3"]),
        ("sku:desc", ["C-3", "B-2", "A-1"]),
        ("sku", ["A-1", "B-2", "C-3"]),
        ("title:asc", ["C-3", "A-1", "B-2"]),
        ("created_at:asc", ["B-2", "C-3", "A-1"]),
    ],
)
def test_cards_sort_by_a_whitelisted_field_and_direction(
    alice: httpx.Client, sort: str, expected: list[str]
) -> None:
    _create(alice, "B-2", "Yellow")
    _create(alice, "C-3", "Apple")
    _create(alice, "A-1", "Banana")

    page = _list(alice, sort=sort)

    assert _skus(page) == expected


@pytest.mark.parametrize("sort", ["price:asc", "id:asc", "user_id", "sku;drop table", "sku:up"])
def test_an_unknown_sort_is_a_400_problem(alice: httpx.Client, sort: str) -> None:
    response = alice.get(CARDS, params={"sort": sort})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error_code"] == "invalid_sort"


def test_q_matches_sku_or_title_case_insensitively(alice: httpx.Client) -> None:
    _create(alice, "KETTLE-1", "Electric kettle")
    _create(alice, "MUG-2", "Mug for a kettle")
    _create(alice, "PLATE-3", "Plate")

    by_sku = _list(alice, q="kettle-")
    by_title = _list(alice, q="KETTLE", sort="sku:asc")

    assert _skus(by_sku) == ["KETTLE-1"]
    assert by_sku["total"] == 1
    assert _skus(by_title) == ["KETTLE-1", "MUG-2"]
    assert by_title["total"] == 2


def test_q_ignores_the_case_of_cyrillic_letters(alice: httpx.Client, db: Db) -> None:
    if not db("SELECT lower('ЧАЙНИК') = 'чайник' AS folds")[0]["folds"]:
        pytest.xfail(
            "this database cannot fold non-ASCII case (LC_CTYPE=C: mpflow_devstack runs initdb "
            "--no-locale); initdb --locale-provider=builtin --builtin-locale=C.UTF-8 fixes it"
        )
    _create(alice, "KETTLE-1", "Чайник электрический")
    _create(alice, "PLATE-3", "Тарелка")

    page = _list(alice, q="ЧАЙНИК")

    assert _skus(page) == ["KETTLE-1"]


def test_q_takes_like_wildcards_literally(alice: httpx.Client) -> None:
    _create(alice, "A_1", "100% cotton")
    _create(alice, "AB1", "1000 cotton")

    underscore = _list(alice, q="A_")
    percent = _list(alice, q="0%")

    assert _skus(underscore) == ["A_1"]
    assert _skus(percent) == ["A_1"]


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_a_limit_outside_1_to_500_is_a_422_naming_the_limit(
    alice: httpx.Client, limit: int
) -> None:
    response = alice.get(CARDS, params={"limit": limit})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "validation_error"
    assert [p["name"] for p in problem["invalid_params"]] == ["limit"]


def test_limit_500_is_allowed(alice: httpx.Client) -> None:
    _create(alice, "ONLY")

    page = _list(alice, limit=500)

    assert page["total"] == 1


@pytest.mark.parametrize("cursor", ["not-a-cursor", "bzotMQ", "eDox"])
def test_a_forged_cursor_is_a_400_problem(alice: httpx.Client, cursor: str) -> None:
    response = alice.get(CARDS, params={"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_cursor"


def test_a_cursor_past_the_largest_offset_is_a_400_problem(alice: httpx.Client) -> None:
    huge = "bzoxMDAwMDAwMDAwMDAwMDAwMDAwMDAw"  # base64url of "o:1000000000000000000000"

    response = alice.get(CARDS, params={"cursor": huge})

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_cursor"


def test_a_search_text_with_a_nul_character_is_a_422_problem(alice: httpx.Client) -> None:
    response = alice.get(CARDS, params={"q": "a\x00b"})

    assert response.status_code == 422
    assert [p["name"] for p in response.json()["invalid_params"]] == ["q"]


def test_another_tenants_cards_are_not_listed(alice: httpx.Client, bob: httpx.Client) -> None:
    _create(alice, "ALICE-1")

    page = _list(bob)

    assert page == {"items": [], "total": 0, "next_cursor": None}
