"""Fixtures for the auth service tests: environment, a running app, a gateway-like client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from auth.main import create_app
from mpflow_testing.identity import GatewayAuth
from mpflow_testing.servers import run_app

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "correct-horse-battery-staple"
HMAC_SECRET = "test-hmac-secret-0123456789abcdef"

_CLEARED = (
    "ADMIN_BOOTSTRAP_USERNAME",
    "ADMIN_BOOTSTRAP_PASSWORD",
    "HMAC_SECRET",
    "AUTH_SESSION_TTL_SECONDS",
    "AUTH_COOKIE_SECURE",
)


@pytest.fixture
def auth_env(monkeypatch: pytest.MonkeyPatch, service_env: Callable[..., None]) -> None:
    """The environment of an auth service on this test's database and NATS."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    service_env(HMAC_SECRET=HMAC_SECRET, ADMIN_BOOTSTRAP_PASSWORD=ADMIN_PASSWORD)


@pytest.fixture
def auth_url(auth_env: None) -> Iterator[str]:
    """Base URL of a running auth service."""
    with run_app(create_app()) as url:
        yield url


@pytest.fixture
def client(auth_url: str) -> Iterator[httpx.Client]:
    """A client calling the service as the gateway does for an anonymous caller."""
    with httpx.Client(base_url=auth_url, auth=GatewayAuth(), timeout=30) as c:
        yield c


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@pytest.fixture
def admin() -> Credentials:
    """The bootstrap administrator's credentials configured by `auth_env`."""
    return Credentials(ADMIN_USERNAME, ADMIN_PASSWORD)


@pytest.fixture
def hmac_secret() -> str:
    """The HMAC_SECRET configured by `auth_env` (to forge tokens in tests)."""
    return HMAC_SECRET


@pytest.fixture
def gateway(signed_client: Callable[..., httpx.Client]) -> Callable[..., httpx.Client]:
    """`gateway(base_url, identity)`: a client signing its calls as the gateway would."""
    return signed_client
