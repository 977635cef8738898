"""Abuse limits: failed logins per username and per address, failed credential checks per
address, each answered with 429 and Retry-After once over the limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from auth.main import create_app
from mpflow_testing.identity import GatewayAuth
from mpflow_testing.servers import run_app

LOGIN = "/v1/admin/auth/login"
AUTHENTICATE = "/internal/authenticate"


def _login(client: httpx.Client, username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post(
        LOGIN, json={"username": username, "password": password}, headers={"X-Forwarded-For": ip}
    )


def test_ten_failed_logins_lock_the_account_for_fifteen_minutes(
    client: httpx.Client, admin: Any
) -> None:
    failures = [_login(client, admin.username, "wrong-password-x") for _ in range(10)]

    locked = _login(client, admin.username, admin.password)  # even the right password

    assert [r.status_code for r in failures] == [401] * 10
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["error_code"] == "too_many_attempts"
    assert 890 <= int(locked.headers["retry-after"]) <= 900


def test_the_lock_is_per_username_and_case_insensitive(client: httpx.Client, admin: Any) -> None:
    for _ in range(10):
        _login(client, "victim", "wrong-password-x", ip="198.51.100.1")

    assert _login(client, "VICTIM", "whatever-it-is", ip="198.51.100.2").status_code == 429
    assert _login(client, admin.username, admin.password, ip="198.51.100.1").status_code == 200


def test_a_successful_login_resets_the_count(client: httpx.Client, admin: Any) -> None:
    for _ in range(9):
        _login(client, admin.username, "wrong-password-x")
    assert _login(client, admin.username, admin.password).status_code == 200

    for _ in range(9):
        assert _login(client, admin.username, "wrong-password-x").status_code == 401
    assert _login(client, admin.username, admin.password).status_code == 200


@pytest.fixture
def strict_auth(
    auth_env: None, service_env: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> Iterator[httpx.Client]:
    """An auth service allowing 3 failures per address."""
    monkeypatch.setenv("AUTH_FAILURES_PER_IP", "3")
    with (
        run_app(create_app()) as url,
        httpx.Client(base_url=url, auth=GatewayAuth(), timeout=30) as client,
    ):
        yield client


def test_failed_logins_from_one_address_are_limited_across_usernames(
    strict_auth: httpx.Client, admin: Any
) -> None:
    for name in ("a-user", "b-user", "c-user"):
        assert _login(strict_auth, name, "wrong-password-x").status_code == 401

    refused = _login(strict_auth, admin.username, admin.password)
    elsewhere = _login(strict_auth, admin.username, admin.password, ip="203.0.113.8")

    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert elsewhere.status_code == 200


def test_failed_credential_checks_from_one_address_are_limited(
    strict_auth: httpx.Client, admin: Any
) -> None:
    token = _login(strict_auth, admin.username, admin.password).json()["access_token"]

    bad = [
        strict_auth.post(AUTHENTICATE, json={"token": f"mpk_guess{i}", "client_ip": "192.0.2.9"})
        for i in range(3)
    ]
    refused = strict_auth.post(AUTHENTICATE, json={"token": token, "client_ip": "192.0.2.9"})
    elsewhere = strict_auth.post(AUTHENTICATE, json={"token": token, "client_ip": "192.0.2.10"})

    assert [r.status_code for r in bad] == [401] * 3
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert elsewhere.status_code == 200
