"""Errors leave the services as problem+json: a transaction PostgreSQL rolled back because of
a concurrent one (deadlock, serialization failure) is a 503 the client may retry, not a 500."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import FastAPI

from mpflow_platform.http.problems import install_problem_handlers
from mpflow_testing.servers import run_app


class _Served:
    def __init__(self, exc: Exception) -> None:
        self.app = FastAPI()
        install_problem_handlers(self.app)

        @self.app.get("/boom")
        async def boom() -> None:
            raise exc

    def get(self, path: str) -> httpx.Response:
        with run_app(self.app) as url:
            return httpx.get(f"{url}{path}", timeout=10)


def _app(exc: Exception) -> _Served:
    return _Served(exc)


def test_a_deadlock_is_a_503_problem_to_retry() -> None:
    answer = _app(asyncpg.exceptions.DeadlockDetectedError("deadlock detected")).get("/boom")

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["error_code"] == "retry"


def test_a_serialization_failure_is_a_503_problem_to_retry() -> None:
    answer = _app(asyncpg.exceptions.SerializationError("could not serialize")).get("/boom")

    assert (answer.status_code, answer.json()["error_code"]) == (503, "retry")


def test_any_other_error_is_a_500_problem_without_details() -> None:
    answer = _app(RuntimeError("secret detail")).get("/boom")

    assert answer.status_code == 500
    assert answer.json()["error_code"] == "internal_error"
    assert "secret" not in answer.text
