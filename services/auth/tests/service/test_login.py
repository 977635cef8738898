from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from auth.main import create_app
from mpflow_testing.servers import run_app

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
LOGIN = "/v1/admin/auth/login"


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post(LOGIN, json={"username": username, "password": password})


def _session_cookie(response: httpx.Response) -> str:
    cookies = [
        c for c in response.headers.get_list("set-cookie") if c.startswith("mpflow_session=")
    ]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def test_login_returns_a_bearer_token_and_the_user(client: httpx.Client, admin: Any) -> None:
    response = _login(client, admin.username, admin.password)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 43200
    assert body["access_token"].count(".") == 1
    assert body["user"]["username"] == admin.username
    assert body["user"]["role"] == "owner"
    assert body["user"]["user_id"] == body["user"]["id"]
    assert "password_hash" not in body["user"]
    assert response.headers["cache-control"] == "no-store"


def test_login_records_a_session_of_the_user(client: httpx.Client, admin: Any, db: Db) -> None:
    user = _login(client, admin.username, admin.password).json()["user"]

    sessions = db(
        "SELECT user_id, account_id, revoked_at, expires_at > now() AS live FROM auth.sessions"
    )

    assert len(sessions) == 1
    assert str(sessions[0]["account_id"]) == user["id"]
    assert str(sessions[0]["user_id"]) == user["user_id"]
    assert sessions[0]["revoked_at"] is None and sessions[0]["live"]


def test_username_is_matched_case_insensitively(client: httpx.Client, admin: Any) -> None:
    response = _login(client, f"  {admin.username.upper()} ", admin.password)

    assert response.status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(
    client: httpx.Client, admin: Any, db: Db
) -> None:
    wrong_password = _login(client, admin.username, admin.password + "x")
    unknown_user = _login(client, "nobody-by-that-name", admin.password)

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.headers["content-type"] == "application/problem+json"
    assert wrong_password.json()["detail"] == unknown_user.json()["detail"]
    assert wrong_password.json()["error_code"] == unknown_user.json()["error_code"]
    assert "set-cookie" not in wrong_password.headers
    assert db("SELECT id FROM auth.sessions") == []


def test_a_deactivated_user_cannot_sign_in_and_gets_the_same_401(
    client: httpx.Client, admin: Any, db: Db
) -> None:
    unknown = _login(client, "nobody-by-that-name", admin.password).json()
    db("UPDATE auth.users SET is_active = false")

    response = _login(client, admin.username, admin.password)

    assert response.status_code == 401
    assert response.json()["detail"] == unknown["detail"]


def test_login_sets_an_http_only_same_site_lax_session_cookie(
    client: httpx.Client, admin: Any
) -> None:
    response = _login(client, admin.username, admin.password)

    cookie = _session_cookie(response)
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith(f"mpflow_session={response.json()['access_token']};")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "max-age=43200" in attributes
    assert "secure" not in attributes


def test_the_session_cookie_is_secure_when_configured(
    auth_env: None, monkeypatch: pytest.MonkeyPatch, gateway: Gateway, admin: Any
) -> None:
    monkeypatch.setenv("AUTH_COOKIE_SECURE", "true")

    with run_app(create_app()) as url:
        response = _login(gateway(url), admin.username, admin.password)

    assert "secure" in [p.strip().lower() for p in _session_cookie(response).split(";")]


def test_session_ttl_is_configurable(
    auth_env: None, monkeypatch: pytest.MonkeyPatch, gateway: Gateway, admin: Any
) -> None:
    monkeypatch.setenv("AUTH_SESSION_TTL_SECONDS", "900")

    with run_app(create_app()) as url:
        response = _login(gateway(url), admin.username, admin.password)

    assert response.json()["expires_in"] == 900
    assert "max-age=900" in _session_cookie(response).lower()


@pytest.mark.parametrize(
    "username",
    ["admin\x00", "\x00", "a" * 151, "\ud800", "   "],
)
def test_unusable_usernames_are_bad_credentials_not_errors(
    client: httpx.Client, admin: Any, username: str
) -> None:
    # json.dumps escapes what httpx's own encoder would refuse to send (lone surrogates).
    body = json.dumps({"username": username, "password": admin.password})

    response = client.post(LOGIN, content=body, headers={"content-type": "application/json"})

    assert response.status_code in (401, 422)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"username": 5, "password": ["x"]}', "application/json"),
        (b'{"username": "admin"}', "application/json"),
        (b"username=admin&password=x", "application/x-www-form-urlencoded"),
        (b'{"username": "admin", "password": "' + b"x" * 2_000_000 + b'"}', "application/json"),
    ],
)
def test_malformed_login_bodies_get_422(
    client: httpx.Client, content: bytes, content_type: str
) -> None:
    response = client.post(LOGIN, content=content, headers={"content-type": content_type})

    assert response.status_code == 422
    assert response.json()["error_code"] == "validation_error"


def test_config_reports_password_mode(client: httpx.Client) -> None:
    response = client.get("/v1/admin/auth/config")

    assert response.status_code == 200
    assert response.json()["mode"] == "password"
    assert response.json()["logto_endpoint"] is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/admin/auth/login"),
        ("POST", "/v1/admin/auth/logout"),
        ("GET", "/v1/admin/auth/me"),
        ("GET", "/v1/admin/auth/config"),
        ("POST", "/internal/authenticate"),
    ],
)
def test_calls_without_the_gateway_signature_get_401(auth_url: str, method: str, path: str) -> None:
    response = httpx.request(
        method, auth_url + path, json={"username": "admin", "password": "x", "token": "x"}
    )

    assert response.status_code == 401
    assert response.json()["error_code"] == "gateway_signature_required"
