"""Fixtures for the ozon tests: the real app on this test's PostgreSQL and NATS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from mpflow_testing.servers import run_app
from ozon.main import create_app

_CLEARED = ("GATEWAY_SIGNING_KEY", "MIGRATIONS_DIR", "APPLY_MIGRATIONS", "LOG_LEVEL")


@pytest.fixture
def start_ozon(
    monkeypatch: pytest.MonkeyPatch, database_url: str, nats_url: str
) -> Iterator[Callable[..., str]]:
    """`start_ozon(NAME=value, ...)` runs ozon with extra environment; its base URL."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    with ExitStack() as stack:

        def start(**env: str) -> str:
            base = {"MPFLOW_ENV": "test", "DATABASE_URL": database_url, "NATS_URL": nats_url}
            for name, value in {**base, **env}.items():
                monkeypatch.setenv(name, value)
            return stack.enter_context(run_app(create_app()))

        yield start


@pytest.fixture
def ozon_url(start_ozon: Callable[..., str]) -> str:
    """Base URL of a running ozon service."""
    return start_ozon()
