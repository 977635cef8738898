"""Fixtures for the ozon tests: the real app on this test's PostgreSQL and NATS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from mpflow_testing.servers import run_app
from ozon.main import create_app


@pytest.fixture
def start_ozon(service_env: Callable[..., None]) -> Iterator[Callable[..., str]]:
    """`start_ozon(NAME=value, ...)` runs ozon with extra environment; its base URL."""
    with ExitStack() as stack:

        def start(**env: str) -> str:
            service_env(**env)
            return stack.enter_context(run_app(create_app()))

        yield start


@pytest.fixture
def ozon_url(start_ozon: Callable[..., str]) -> str:
    """Base URL of a running ozon service."""
    return start_ozon()
