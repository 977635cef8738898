"""Credentials: where they come from, who checks them, how long they are trusted."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_JSON = "application/problem+json"


def test_request_without_credential_is_a_401_with_a_bearer_challenge(
    client: httpx.Client, upstreams: Any
) -> None:
    response = client.get("/v1/admin/master-cards")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error_code"] == "credential_required"
    assert upstreams.auth.checks == []


def test_token_auth_rejects_is_a_401_with_an_invalid_token_challenge(
    client: httpx.Client,
) -> None:
    response = client.get("/v1/admin/master-cards", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_JSON
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["error_code"] == "invalid_credential"


def test_authorization_header_of_another_scheme_is_a_401(client: httpx.Client) -> None:
    response = client.get("/v1/admin/users", headers={"Authorization": "Basic YTpi"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_session_cookie_is_accepted_as_the_credential(client: httpx.Client) -> None:
    response = client.get("/v1/admin/auth/me", headers={"Cookie": "mpflow_session=tok-bob"})

    assert response.status_code == 200
    assert response.json()["identity"]["username"] == "bob"
    assert response.json()["identity"]["scopes"] == ["catalog:read"]


def test_bearer_token_wins_over_the_session_cookie(client: httpx.Client) -> None:
    response = client.get(
        "/v1/admin/auth/me",
        headers={"Authorization": "Bearer tok-alice", "Cookie": "mpflow_session=tok-bob"},
    )

    assert response.json()["identity"]["username"] == "alice"


def test_login_and_config_need_no_credential_and_reach_auth_as_anonymous(
    client: httpx.Client, upstreams: Any
) -> None:
    config = client.get("/v1/admin/auth/config")
    login = client.post("/v1/admin/auth/login", json={"username": "a", "password": "b"})

    assert config.status_code == 200
    assert config.json()["identity"]["user_id"] is None
    assert login.status_code == 200
    assert login.json()["access_token"] == "tok-login"
    assert upstreams.auth.checks == []


def test_every_set_cookie_of_login_reaches_the_client(client: httpx.Client) -> None:
    response = client.post("/v1/admin/auth/login", json={"username": "a", "password": "b"})

    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert any(c.startswith("mpflow_session=tok-login") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("mpflow_csrf=c-123") for c in cookies)


def test_verified_token_is_not_checked_again_within_the_cache_time(
    alice: httpx.Client, upstreams: Any
) -> None:
    for _ in range(3):
        assert alice.get("/v1/admin/inventory").status_code == 200

    assert upstreams.auth.checks_of("tok-alice") == 1


def test_logout_makes_the_token_useless_at_once(alice: httpx.Client, upstreams: Any) -> None:
    assert alice.get("/v1/admin/sales").status_code == 200

    logout = alice.post("/v1/admin/auth/logout")
    after = alice.get("/v1/admin/sales")

    assert logout.status_code == 204
    assert after.status_code == 401
    assert upstreams.auth.checks_of("tok-alice") == 2


def test_logout_of_one_token_keeps_other_tokens_cached(
    alice: httpx.Client, client: httpx.Client, upstreams: Any
) -> None:
    bob = {"Authorization": "Bearer tok-bob"}
    client.get("/v1/admin/master-cards", headers=bob)

    alice.post("/v1/admin/auth/logout")
    response = client.get("/v1/admin/master-cards", headers=bob)

    assert response.status_code == 200
    assert upstreams.auth.checks_of("tok-bob") == 1


def test_auth_service_down_gives_a_502_problem_naming_auth(
    start_gateway: Any, upstreams: Any, down_url: str
) -> None:
    base = start_gateway(**{**upstreams.env, "GATEWAY_AUTH_URL": down_url})

    response = httpx.get(
        f"{base}/v1/admin/sales", headers={"Authorization": "Bearer tok-alice"}, trust_env=False
    )

    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["error_code"] == "upstream_unavailable"
    assert "auth" in response.json()["detail"]
