"""Fixtures for the catalog tests: the real app on this test's PostgreSQL and NATS, and
clients that call it as the gateway does (identity signed per request)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from catalog.main import create_app
from mpflow_devstack.ports import free_port
from mpflow_platform.http.identity import ANONYMOUS, Identity
from mpflow_testing.identity import ALICE, BOB
from mpflow_testing.servers import run_app

Db = Callable[..., list[dict[str, Any]]]
Client = Callable[[Identity], httpx.Client]


@pytest.fixture
def catalog_url(service_env: Callable[..., None]) -> Iterator[str]:
    """Base URL of a running catalog service (migrations applied by its start-up). The
    services it calls (auth, inventory) are not running here: their URLs point at closed
    ports, so whatever needs them answers 503 (tests/e2e covers them together)."""
    service_env(
        CATALOG_AUTH_URL=f"http://127.0.0.1:{free_port()}",
        CATALOG_INVENTORY_URL=f"http://127.0.0.1:{free_port()}",
    )
    with run_app(create_app()) as url:
        yield url


@pytest.fixture
def client_of(catalog_url: str, signed_client: Callable[..., httpx.Client]) -> Client:
    """`client_of(identity)`: an HTTP client of catalog signing its calls for `identity`."""
    return lambda identity: signed_client(catalog_url, identity)


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
def unsigned(catalog_url: str) -> Iterator[httpx.Client]:
    """A client that bypasses the gateway: no identity header at all."""
    with httpx.Client(base_url=catalog_url, timeout=30, trust_env=False) as c:
        yield c
