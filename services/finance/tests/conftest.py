"""Fixtures for the finance tests: the real finance app with the real services it calls
(auth for tenant settings, inventory, which costs finance's sales from their events and
answers availability, valuation and COGS explain), on this test's PostgreSQL and NATS;
gateway-signed clients, SQL access and a JetStream producer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest

from auth.main import create_app as create_auth
from finance.main import SERVICE, create_app
from inventory.main import create_app as create_inventory
from mpflow_platform.events import new_event
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import ALICE, BOB
from mpflow_testing.jetstream import JetStream
from mpflow_testing.servers import run_app

Db = Callable[..., list[dict[str, Any]]]
Client = Callable[[Identity], httpx.Client]

assert ALICE.user_id is not None and BOB.user_id is not None
ALICE_USER: UUID = ALICE.user_id
BOB_USER: UUID = BOB.user_id


@dataclass(frozen=True)
class Stack:
    finance: str
    inventory: str
    auth: str


@pytest.fixture
def stack(service_env: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """auth, inventory and finance running on this test's database and NATS; finance calls
    the other two. Each applies its own migrations at start-up."""
    for name in ("ADMIN_BOOTSTRAP_USERNAME", "ADMIN_BOOTSTRAP_PASSWORD", "HMAC_SECRET"):
        monkeypatch.delenv(name, raising=False)
    service_env(HMAC_SECRET="test-hmac-secret-0123456789abcdef")
    with run_app(create_auth()) as auth_url, run_app(create_inventory()) as inventory_url:
        service_env(
            HMAC_SECRET="test-hmac-secret-0123456789abcdef",
            FINANCE_AUTH_URL=auth_url,
            FINANCE_INVENTORY_URL=inventory_url,
        )
        with run_app(create_app()) as finance_url:
            yield Stack(finance=finance_url, inventory=inventory_url, auth=auth_url)


@pytest.fixture
def finance_url(stack: Stack) -> str:
    return stack.finance


@pytest.fixture
def client_of(finance_url: str, signed_client: Callable[..., httpx.Client]) -> Client:
    """`client_of(identity)`: an HTTP client of finance signing its calls for `identity`."""
    return lambda identity: signed_client(finance_url, identity)


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
def inventory_of(stack: Stack, signed_client: Callable[..., httpx.Client]) -> Client:
    """`inventory_of(identity)`: a signed client of the running inventory service (to
    receive goods, write stock off, read lots)."""
    return lambda identity: signed_client(stack.inventory, identity)


@pytest.fixture
def settings_of(
    stack: Stack, signed_client: Callable[..., httpx.Client], db: Db
) -> Callable[..., Any]:
    """`settings_of(identity, **values)`: PUT the tenant's settings in auth (tax mode and
    rate, timezone, negative_stock); returns the settings as auth answers them."""

    def put(identity: Identity, **values: Any) -> Any:
        # Settings belong to a tenant's account in auth: the test identities' rows.
        db(
            "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
            "VALUES ($1, $1, $2, 'not-a-hash', 'owner') ON CONFLICT (id) DO NOTHING",
            identity.user_id,
            identity.username,
        )
        answer = signed_client(stack.auth, identity).put("/v1/admin/settings", json=values)
        assert answer.status_code == 200, answer.text
        return answer.json()

    return put


@pytest.fixture
def jetstream(nats_url: str) -> JetStream:
    """Publishes events as a producer would; waits on finance's consumer by default."""
    return JetStream(nats_url, consumer=SERVICE)


@pytest.fixture
def add_card(stack: Stack, jetstream: JetStream) -> Callable[..., UUID]:
    """`add_card(sku, title=..., identity=ALICE, ozon_sku=..., offer_id=...)`: a card as
    catalog announces it (`catalog.card.created` through JetStream), copied by both
    inventory and finance before it returns."""

    def add(
        sku: str,
        title: str | None = None,
        *,
        identity: Identity = ALICE,
        ozon_sku: int | None = None,
        offer_id: str | None = None,
    ) -> UUID:
        card_id = uuid.uuid4()
        links = (
            [
                {
                    "marketplace": "ozon",
                    "offer_id": offer_id or sku,
                    "product_id": None,
                    "sku": ozon_sku,
                }
            ]
            if ozon_sku is not None or offer_id is not None
            else []
        )
        event = new_event(
            "catalog.card.created",
            {
                "card_id": str(card_id),
                "sku": sku,
                "title": title or f"title of {sku}",
                "status": "active",
                "links": links,
                "version": 1,
            },
            user_id=identity.user_id,
            source="catalog",
        )
        seq, _ = jetstream.publish(event)
        jetstream.wait_handled(seq, consumer="inventory")
        jetstream.wait_handled(seq)
        return card_id

    return add


@pytest.fixture
def stock_in(inventory_of: Client) -> Callable[..., Any]:
    """`stock_in(card_id, qty, unit_cost, location="home", identity=ALICE, occurred_at=None)`:
    an initial balance in inventory (a FIFO lot at `unit_cost`); returns inventory's answer."""

    def put(
        card_id: UUID,
        qty: int,
        unit_cost: str,
        *,
        location: str = "home",
        identity: Identity = ALICE,
        occurred_at: str | None = None,
    ) -> Any:
        body: dict[str, Any] = {
            "location": location,
            "lines": [{"card_id": str(card_id), "qty": qty, "unit_cost": unit_cost}],
        }
        if occurred_at is not None:
            body["occurred_at"] = occurred_at
        answer = inventory_of(identity).post("/v1/admin/inventory/initial-balance", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    return put
