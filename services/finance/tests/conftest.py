"""Fixtures for the finance tests: the real app on this test's PostgreSQL and NATS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from finance.main import create_app
from mpflow_testing.servers import run_app


@pytest.fixture
def start_finance(service_env: Callable[..., None]) -> Iterator[Callable[..., str]]:
    """`start_finance(NAME=value, ...)` runs finance with extra environment; its base URL."""
    with ExitStack() as stack:

        def start(**env: str) -> str:
            service_env(**env)
            return stack.enter_context(run_app(create_app()))

        yield start


@pytest.fixture
def finance_url(start_finance: Callable[..., str]) -> str:
    """Base URL of a running finance service."""
    return start_finance()
