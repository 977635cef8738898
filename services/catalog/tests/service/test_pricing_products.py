"""`GET /v1/admin/pricing/products` when inventory cannot be reached: a clear 503, never a
500 (the happy path, with inventory's real unit costs, is in tests/e2e/test_pricing.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from catalog.main import create_app
from mpflow_devstack.ports import free_port
from mpflow_testing.identity import ALICE
from mpflow_testing.servers import run_app

PRODUCTS = "/v1/admin/pricing/products"


@pytest.fixture
def alice_without_inventory(
    service_env: Callable[..., None], signed_client: Callable[..., httpx.Client]
) -> Iterator[httpx.Client]:
    service_env(CATALOG_INVENTORY_URL=f"http://127.0.0.1:{free_port()}")
    with run_app(create_app()) as url:
        yield signed_client(url, ALICE)


def test_no_cards_need_no_inventory(alice_without_inventory: httpx.Client) -> None:
    answer = alice_without_inventory.get(PRODUCTS)
    assert answer.status_code == 200
    assert answer.json() == {"items": [], "total": 0, "next_cursor": None}


def test_an_unreachable_inventory_is_a_503_problem(alice_without_inventory: httpx.Client) -> None:
    created = alice_without_inventory.post(
        "/v1/admin/master-cards", json={"sku": "MUG-1", "title": "Кружка"}
    )
    assert created.status_code == 201

    answer = alice_without_inventory.get(PRODUCTS)

    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["error_code"] == "upstream_unavailable"
