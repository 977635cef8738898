from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from auth.token import TokenClaims, issue_token
from mpflow_platform.http.identity import Identity

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
AUTHENTICATE = "/internal/authenticate"


def _sign_in(client: httpx.Client, admin: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/admin/auth/login", json={"username": admin.username, "password": admin.password}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _identity(client: httpx.Client, token: str) -> Identity:
    response = client.post(AUTHENTICATE, json={"token": token})
    assert response.status_code == 200, response.text
    return Identity.from_claims(response.json())


def test_authenticate_returns_the_identity_claims_of_a_session_token(
    client: httpx.Client, admin: Any
) -> None:
    login = _sign_in(client, admin)

    response = client.post(AUTHENTICATE, json={"token": login["access_token"]})

    assert response.status_code == 200
    claims = response.json()
    assert claims == {
        "user_id": login["user"]["user_id"],
        "account_id": login["user"]["id"],
        "username": admin.username,
        "role": "owner",
        "is_platform_admin": True,
        "scopes": ["*"],
        "credential": "session",
        "session_id": claims["session_id"],
        "api_key_id": None,
        "expires_at": claims["expires_at"],
    }
    uuid.UUID(claims["session_id"])
    assert abs(claims["expires_at"] - (time.time() + login["expires_in"])) < 60


def test_me_returns_the_signed_in_account(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any
) -> None:
    login = _sign_in(client, admin)
    identity = _identity(client, login["access_token"])

    response = gateway(auth_url, identity).get("/v1/admin/auth/me")

    assert response.status_code == 200
    assert response.json() == login["user"]


def test_me_needs_an_authenticated_caller(client: httpx.Client) -> None:
    response = client.get("/v1/admin/auth/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_me_does_not_show_an_account_of_another_tenant(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any
) -> None:
    admin_account = _sign_in(client, admin)["user"]["id"]
    stranger = Identity(user_id=uuid.uuid4(), account_id=uuid.UUID(admin_account), username="x")

    response = gateway(auth_url, stranger).get("/v1/admin/auth/me")

    assert response.status_code == 404


def test_logout_revokes_the_session_so_its_token_is_refused(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any, db: Db
) -> None:
    token = _sign_in(client, admin)["access_token"]
    identity = _identity(client, token)

    response = gateway(auth_url, identity).post("/v1/admin/auth/logout")

    assert response.status_code == 204
    assert client.post(AUTHENTICATE, json={"token": token}).status_code == 401
    assert db("SELECT revoked_at IS NOT NULL AS revoked FROM auth.sessions") == [{"revoked": True}]


def test_logout_revokes_only_the_callers_session(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any
) -> None:
    kept = _sign_in(client, admin)["access_token"]
    ended = _sign_in(client, admin)["access_token"]

    gateway(auth_url, _identity(client, ended)).post("/v1/admin/auth/logout")

    assert client.post(AUTHENTICATE, json={"token": kept}).status_code == 200
    assert client.post(AUTHENTICATE, json={"token": ended}).status_code == 401


def test_logout_clears_the_session_cookie(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])

    response = gateway(auth_url, identity).post("/v1/admin/auth/logout")

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith('mpflow_session="";') or cookie.startswith("mpflow_session=;")
    assert "max-age=0" in cookie and "path=/" in cookie and "httponly" in cookie


def test_anonymous_logout_only_clears_the_cookie(client: httpx.Client) -> None:
    response = client.post("/v1/admin/auth/logout")

    assert response.status_code == 204
    assert "mpflow_session=" in response.headers["set-cookie"]


def test_a_tampered_token_is_refused(client: httpx.Client, admin: Any) -> None:
    token = _sign_in(client, admin)["access_token"]
    payload, signature = token.split(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature

    response = client.post(AUTHENTICATE, json={"token": tampered})

    assert response.status_code == 401
    assert response.json()["error_code"] == "invalid_token"


def test_an_expired_token_of_a_live_session_is_refused(
    client: httpx.Client, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    expired = issue_token(
        TokenClaims(
            user_id=str(identity.user_id),
            username=admin.username,
            is_platform_admin=True,
            expires_at=int(time.time()) - 1,
            session_id=identity.session_id,
            account_id=str(identity.account_id),
        ),
        secret=hmac_secret,
    )

    response = client.post(AUTHENTICATE, json={"token": expired})

    assert response.status_code == 401


def test_a_token_whose_session_expired_is_refused(client: httpx.Client, admin: Any, db: Db) -> None:
    token = _sign_in(client, admin)["access_token"]
    db("UPDATE auth.sessions SET expires_at = now() - interval '1 second'")

    response = client.post(AUTHENTICATE, json={"token": token})

    assert response.status_code == 401


def test_a_token_signed_with_another_secret_is_refused(client: httpx.Client, admin: Any) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    forged = issue_token(
        TokenClaims(
            user_id=str(identity.user_id),
            username=admin.username,
            is_platform_admin=True,
            expires_at=int(time.time()) + 600,
            session_id=identity.session_id,
            account_id=str(identity.account_id),
        ),
        secret="not-the-service-secret-at-all",
    )

    response = client.post(AUTHENTICATE, json={"token": forged})

    assert response.status_code == 401


def _legacy_token(
    identity: Identity, username: str, secret: str, *, adm: bool = False, ttl: int = 600
) -> str:
    """A token as the original system wrote it: uid, usr, adm, exp and nothing else."""
    return issue_token(
        TokenClaims(
            user_id=str(identity.account_id),
            username=username,
            is_platform_admin=adm,
            expires_at=int(time.time()) + ttl,
        ),
        secret=secret,
    )


def test_a_legacy_token_without_a_session_is_accepted(
    client: httpx.Client, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    legacy = _legacy_token(identity, admin.username, hmac_secret)

    accepted = _identity(client, legacy)

    assert (accepted.user_id, accepted.account_id, accepted.username) == (
        identity.user_id,
        identity.account_id,
        admin.username,
    )
    assert accepted.is_platform_admin  # from the account, not from the token's `adm`


def test_a_legacy_token_whose_uid_and_usr_disagree_is_refused(
    client: httpx.Client, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    stranger = Identity(user_id=uuid.uuid4(), account_id=uuid.uuid4())
    forged = _legacy_token(stranger, admin.username, hmac_secret)

    assert client.post(AUTHENTICATE, json={"token": forged}).status_code == 401
    assert identity.is_platform_admin


def test_an_expired_legacy_token_is_refused(
    client: httpx.Client, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    expired = _legacy_token(identity, admin.username, hmac_secret, ttl=-1)

    assert client.post(AUTHENTICATE, json={"token": expired}).status_code == 401


def test_logging_out_with_a_legacy_token_denies_it_and_only_it(
    client: httpx.Client, gateway: Gateway, auth_url: str, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    legacy = _legacy_token(identity, admin.username, hmac_secret)
    other = _legacy_token(identity, admin.username, hmac_secret, ttl=900)
    caller = _identity(client, legacy)

    response = gateway(auth_url, caller).post("/v1/admin/auth/logout")

    assert response.status_code == 204
    assert client.post(AUTHENTICATE, json={"token": legacy}).status_code == 401
    assert client.post(AUTHENTICATE, json={"token": other}).status_code == 200


def test_a_genuine_token_naming_another_tenant_is_refused(
    client: httpx.Client, admin: Any, hmac_secret: str
) -> None:
    identity = _identity(client, _sign_in(client, admin)["access_token"])
    cross_tenant = issue_token(
        TokenClaims(
            user_id=str(uuid.uuid4()),
            username=admin.username,
            is_platform_admin=True,
            expires_at=int(time.time()) + 600,
            session_id=identity.session_id,
            account_id=str(identity.account_id),
        ),
        secret=hmac_secret,
    )

    response = client.post(AUTHENTICATE, json={"token": cross_tenant})

    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_is_refused(
    client: httpx.Client, admin: Any, db: Db
) -> None:
    token = _sign_in(client, admin)["access_token"]
    db("UPDATE auth.users SET is_active = false")

    response = client.post(AUTHENTICATE, json={"token": token})

    assert response.status_code == 401


@pytest.mark.parametrize(
    "token",
    ["", ".", "garbage", "a.b", "é." + "0" * 64, "x" * 100_000, "\x00", "abc." + "0" * 64],
)
def test_garbage_tokens_get_401(client: httpx.Client, token: str) -> None:
    response = client.post(AUTHENTICATE, json={"token": token})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": None}, [], "token"])
def test_authenticate_bodies_of_the_wrong_shape_get_422(client: httpx.Client, body: Any) -> None:
    response = client.post(AUTHENTICATE, json=body)

    assert response.status_code == 422


def test_internal_routes_are_not_in_the_openapi_schema(auth_url: str) -> None:
    paths = httpx.get(auth_url + "/openapi.json").json()["paths"]

    assert not [p for p in paths if p.startswith("/internal")]
    assert {
        "/v1/admin/auth/login",
        "/v1/admin/auth/logout",
        "/v1/admin/auth/me",
        "/v1/admin/auth/config",
    } <= set(paths)
