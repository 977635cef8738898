"""Fixtures for the inventory tests: the real app (its consumer runs in the lifespan) on this
test's PostgreSQL and NATS, gateway-signed clients, SQL access and a JetStream producer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any, TypeVar
from uuid import UUID

import httpx
import pytest

from inventory.main import SERVICE, create_app
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import ALICE, BOB
from mpflow_testing.jetstream import JetStream
from mpflow_testing.servers import run_app

T = TypeVar("T")
Db = Callable[..., list[dict[str, Any]]]
Client = Callable[[Identity], httpx.Client]


@pytest.fixture
def start_inventory(service_env: Callable[..., None]) -> Iterator[Callable[[], str]]:
    """`start_inventory()` runs the inventory service for the rest of the test; its base URL."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(run_app(create_app()))


@pytest.fixture
def inventory_url(start_inventory: Callable[[], str]) -> str:
    """Base URL of a running inventory service (migrations applied by its start-up)."""
    return start_inventory()


@pytest.fixture
def client_of(inventory_url: str, signed_client: Callable[..., httpx.Client]) -> Client:
    """`client_of(identity)`: an HTTP client of inventory signing its calls for `identity`."""
    return lambda identity: signed_client(inventory_url, identity)


@pytest.fixture
def alice(client_of: Client) -> httpx.Client:
    return client_of(ALICE)


@pytest.fixture
def bob(client_of: Client) -> httpx.Client:
    return client_of(BOB)


@pytest.fixture
def anonymous(client_of: Client) -> httpx.Client:
    """Signed by the gateway, but nobody is signed in."""
    return client_of(ANONYMOUS)


@pytest.fixture
def unsigned(inventory_url: str) -> Iterator[httpx.Client]:
    """A client that bypasses the gateway: no identity header at all."""
    with httpx.Client(base_url=inventory_url, timeout=30, trust_env=False) as c:
        yield c


@pytest.fixture
def jetstream(nats_url: str) -> JetStream:
    return JetStream(nats_url, consumer=SERVICE)


assert ALICE.user_id is not None
ALICE_USER: UUID = ALICE.user_id


@pytest.fixture
def add_card(db: Any, inventory_url: str) -> Callable[..., UUID]:
    """`add_card(sku, title=..., status=..., user_id=..., weight_g=..., dims=(l, w, h))`: a
    row of inventory's card copy, as the catalog consumers write it (the service is
    running, so it is migrated); alice's unless told otherwise."""

    def add(
        sku: str,
        title: str | None = None,
        *,
        status: str = "active",
        user_id: UUID = ALICE_USER,
        weight_g: int | None = None,
        dims: tuple[int, int, int] | None = None,
    ) -> UUID:
        card_id = uuid.uuid4()
        length, width, height = dims or (None, None, None)
        db(
            "INSERT INTO inventory.cards (user_id, card_id, sku, title, status, length_mm, "
            "width_mm, height_mm, weight_g) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            user_id,
            card_id,
            sku,
            title or f"title of {sku}",
            status,
            length,
            width,
            height,
            weight_g,
        )
        return card_id

    return add
