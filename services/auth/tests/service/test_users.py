"""The users API: owners manage their tenant's accounts; deactivation stops every
credential at once; a tenant keeps an active owner; platform admins create tenants."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from mpflow_platform.http.identity import Identity

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
USERS = "/v1/admin/users"
LOGIN = "/v1/admin/auth/login"
AUTHENTICATE = "/internal/authenticate"
REVOKED = "mpflow.auth.access.revoked"
PASSWORD = "plum-orchard-window-42"


def _login(client: httpx.Client, username: str, password: str) -> str:
    response = client.post(LOGIN, json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _identify(client: httpx.Client, token: str) -> Identity:
    response = client.post(AUTHENTICATE, json={"token": token})
    assert response.status_code == 200, response.text
    return Identity.from_claims(response.json())


@pytest.fixture
def admin_identity(client: httpx.Client, admin: Any) -> Identity:
    """The bootstrap platform administrator (owner of its own tenant), signed in."""
    return _identify(client, _login(client, admin.username, admin.password))


@pytest.fixture
def as_admin(gateway: Gateway, auth_url: str, admin_identity: Identity) -> httpx.Client:
    return gateway(auth_url, admin_identity)


def _new_tenant(as_admin: httpx.Client, username: str) -> dict[str, Any]:
    response = as_admin.post(
        USERS,
        json={"username": username, "password": PASSWORD, "role": "owner", "new_tenant": True},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def tenant(
    client: httpx.Client, as_admin: httpx.Client, gateway: Gateway, auth_url: str
) -> tuple[Identity, httpx.Client]:
    """A new tenant's owner, signed in with a session, and a client calling as them."""
    owner = _new_tenant(as_admin, "olga")
    assert owner["id"] == owner["user_id"] and owner["role"] == "owner"
    identity = _identify(client, _login(client, "olga", PASSWORD))
    return identity, gateway(auth_url, identity)


def _add(caller: httpx.Client, username: str, **extra: Any) -> dict[str, Any]:
    response = caller.post(USERS, json={"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _revocations(db: Db) -> list[dict[str, Any]]:
    rows = db("SELECT payload FROM auth.outbox WHERE subject = $1 ORDER BY seq", REVOKED)
    return [r["payload"]["data"] for r in rows]


def test_an_owner_creates_lists_reads_and_updates_accounts(
    tenant: tuple[Identity, httpx.Client], client: httpx.Client
) -> None:
    owner, as_owner = tenant
    mia = _add(as_owner, "mia")
    assert mia["user_id"] == str(owner.user_id) and mia["role"] == "member"
    assert mia["is_active"] is True and "password_hash" not in mia

    listed = as_owner.get(USERS).json()
    assert [u["username"] for u in listed["items"]] == ["olga", "mia"] and listed["total"] == 2
    assert as_owner.get(USERS, params={"role": "member"}).json()["items"] == [mia]
    assert as_owner.get(USERS, params={"q": "MI"}).json()["total"] == 1
    by_name = as_owner.get(USERS, params={"sort": "username:desc", "limit": 1}).json()
    assert [u["username"] for u in by_name["items"]] == ["olga"] and by_name["next_cursor"]
    assert as_owner.get(f"{USERS}/{mia['id']}").json() == mia

    promoted = as_owner.patch(f"{USERS}/{mia['id']}", json={"role": "owner"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "owner"
    # The new member can sign in with the password the owner set.
    assert _identify(client, _login(client, "mia", PASSWORD)).role == "owner"


def test_a_member_manages_no_accounts(
    tenant: tuple[Identity, httpx.Client],
    client: httpx.Client,
    gateway: Gateway,
    auth_url: str,
) -> None:
    _, as_owner = tenant
    mia = _add(as_owner, "mia")
    member = gateway(auth_url, _identify(client, _login(client, "mia", PASSWORD)))

    answers = [
        member.get(USERS),
        member.get(f"{USERS}/{mia['id']}"),
        member.post(USERS, json={"username": "mallory", "password": PASSWORD}),
        member.patch(f"{USERS}/{mia['id']}", json={"role": "owner"}),
    ]
    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert answer.json()["error_code"] == "owner_required"
    assert as_owner.get(f"{USERS}/{mia['id']}").json()["role"] == "member"


def test_another_tenants_account_is_not_found(
    tenant: tuple[Identity, httpx.Client], as_admin: httpx.Client
) -> None:
    _, as_owner = tenant
    mia = _add(as_owner, "mia")

    assert as_admin.get(f"{USERS}/{mia['id']}").status_code == 404
    patched = as_admin.patch(f"{USERS}/{mia['id']}", json={"is_active": False})
    assert patched.status_code == 404 and patched.json()["error_code"] == "account_not_found"
    assert "mia" not in [u["username"] for u in as_admin.get(USERS).json()["items"]]
    assert as_owner.get(f"{USERS}/{mia['id']}").json()["is_active"] is True


def test_only_a_platform_admin_creates_tenants(tenant: tuple[Identity, httpx.Client]) -> None:
    _, as_owner = tenant
    refused = as_owner.post(
        USERS,
        json={"username": "newco", "password": PASSWORD, "role": "owner", "new_tenant": True},
    )
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "platform_admin_required"


def test_a_new_tenant_starts_with_an_owner(as_admin: httpx.Client) -> None:
    refused = as_admin.post(
        USERS,
        json={"username": "newco", "password": PASSWORD, "role": "member", "new_tenant": True},
    )
    assert refused.status_code == 422 and refused.json()["error_code"] == "invalid_role"


def test_deactivation_ends_sessions_and_api_keys_at_once(
    tenant: tuple[Identity, httpx.Client],
    client: httpx.Client,
    gateway: Gateway,
    auth_url: str,
    db: Db,
) -> None:
    owner, as_owner = tenant
    mia = _add(as_owner, "mia")
    session = _login(client, "mia", PASSWORD)
    as_mia = gateway(auth_url, _identify(client, session))
    key = as_mia.post("/v1/admin/api-keys", json={"name": "bot", "scopes": ["*"]}).json()["key"]
    assert client.post(AUTHENTICATE, json={"token": key}).status_code == 200

    done = as_owner.patch(f"{USERS}/{mia['id']}", json={"is_active": False})

    assert done.status_code == 200 and done.json()["is_active"] is False
    assert client.post(AUTHENTICATE, json={"token": session}).status_code == 401
    assert client.post(AUTHENTICATE, json={"token": key}).status_code == 401
    assert client.post(LOGIN, json={"username": "mia", "password": PASSWORD}).status_code == 401
    assert _revocations(db)[-1] == {
        "reason": "account_deactivated",
        "account_id": mia["id"],
        "api_key_id": None,
        "session_id": None,
    }
    # Reactivation lets the account sign in again, but the ended session stays ended.
    assert as_owner.patch(f"{USERS}/{mia['id']}", json={"is_active": True}).status_code == 200
    assert client.post(AUTHENTICATE, json={"token": session}).status_code == 401
    assert _login(client, "mia", PASSWORD)


def test_a_new_password_ends_the_accounts_sessions_but_the_callers_own(
    tenant: tuple[Identity, httpx.Client], client: httpx.Client, db: Db
) -> None:
    owner, as_owner = tenant
    mia = _add(as_owner, "mia")
    mia_session = _login(client, "mia", PASSWORD)
    other_owner_session = _login(client, "olga", PASSWORD)
    new_password = "granite-lantern-meadow-7"

    assert as_owner.patch(f"{USERS}/{mia['id']}", json={"password": new_password}).is_success
    own = as_owner.patch(f"{USERS}/{owner.account_id}", json={"password": new_password})

    assert own.status_code == 200
    assert client.post(AUTHENTICATE, json={"token": mia_session}).status_code == 401
    assert client.post(AUTHENTICATE, json={"token": other_owner_session}).status_code == 401
    assert as_owner.get(USERS).status_code == 200  # the caller's own session lives on
    assert _login(client, "mia", new_password)
    assert client.post(LOGIN, json={"username": "mia", "password": PASSWORD}).status_code == 401
    assert [r["reason"] for r in _revocations(db)][-2:] == ["account_changed"] * 2


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-9", "at least 10 characters"),
        ("qwertyuiop", "most common"),
        ("Password123", "most common"),
        ("Marina-is-the-best-2024", "contain the username"),
        ("abababababab", "different characters"),
    ],
)
def test_weak_passwords_are_refused_on_create_and_update(
    tenant: tuple[Identity, httpx.Client], password: str, reason: str
) -> None:
    _, as_owner = tenant
    created = as_owner.post(USERS, json={"username": "marina", "password": password})
    assert created.status_code == 422, created.text
    assert created.json()["error_code"] == "weak_password" and reason in created.json()["detail"]

    marina = _add(as_owner, "marina")
    updated = as_owner.patch(f"{USERS}/{marina['id']}", json={"password": password})
    assert updated.status_code == 422 and reason in updated.json()["detail"]


def test_the_last_active_owner_cannot_be_demoted_or_deactivated(
    tenant: tuple[Identity, httpx.Client],
) -> None:
    owner, as_owner = tenant
    me = f"{USERS}/{owner.account_id}"

    for change in ({"role": "member"}, {"is_active": False}):
        refused = as_owner.patch(me, json=change)
        assert refused.status_code == 409 and refused.json()["error_code"] == "last_owner"
    assert as_owner.get(me).json()["role"] == "owner"

    second = _add(as_owner, "oleg", role="owner")
    assert as_owner.patch(me, json={"role": "member"}).json()["role"] == "member"
    assert second["role"] == "owner"


def test_usernames_and_sso_subjects_are_unique_across_tenants(
    tenant: tuple[Identity, httpx.Client], as_admin: httpx.Client
) -> None:
    _, as_owner = tenant
    mia = _add(as_owner, "mia", sso_subject="logto-user-1")
    assert mia["sso_subject"] == "logto-user-1"

    taken = as_admin.post(USERS, json={"username": "MIA", "password": PASSWORD})
    assert taken.status_code == 409 and taken.json()["error_code"] == "username_taken"
    linked = as_admin.post(
        USERS, json={"username": "max", "password": PASSWORD, "sso_subject": "logto-user-1"}
    )
    assert linked.status_code == 409 and linked.json()["error_code"] == "sso_subject_taken"

    unlinked = as_owner.patch(f"{USERS}/{mia['id']}", json={"sso_subject": None})
    assert unlinked.status_code == 200 and unlinked.json()["sso_subject"] is None
    relinked = as_admin.post(
        USERS, json={"username": "max", "password": PASSWORD, "sso_subject": "logto-user-1"}
    )
    assert relinked.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"role": "admin"},
        {"is_active": None},
        {"role": None},
        {"password": None},
        {"username": "renamed"},
        {"is_platform_admin": True},
        {"sso_subject": "has spaces"},
        {"sso_subject": ""},
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    tenant: tuple[Identity, httpx.Client], body: dict[str, Any]
) -> None:
    _, as_owner = tenant
    mia = _add(as_owner, "mia")

    refused = as_owner.patch(f"{USERS}/{mia['id']}", json=body)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert as_owner.get(f"{USERS}/{mia['id']}").json() == mia


def test_an_api_key_of_an_owner_manages_accounts_like_the_owner(
    tenant: tuple[Identity, httpx.Client], client: httpx.Client, gateway: Gateway, auth_url: str
) -> None:
    _, as_owner = tenant
    key = as_owner.post("/v1/admin/api-keys", json={"name": "ops", "scopes": ["admin:write"]})
    as_key = gateway(auth_url, _identify(client, key.json()["key"]))

    assert as_key.post(USERS, json={"username": "mia", "password": PASSWORD}).status_code == 201


def test_identity_without_an_account_cannot_manage_accounts(
    tenant: tuple[Identity, httpx.Client], gateway: Gateway, auth_url: str
) -> None:
    owner, _ = tenant
    detached = gateway(auth_url, replace(owner, account_id=None))
    assert detached.get(USERS).status_code == 403
    assert gateway(auth_url, replace(owner, user_id=uuid.uuid4())).get(USERS).json()["total"] == 0


def test_a_co_owner_cannot_take_over_the_platform_administrators_account(
    as_admin: httpx.Client,
    admin_identity: Identity,
    client: httpx.Client,
    gateway: Gateway,
    auth_url: str,
) -> None:
    _add(as_admin, "co-owner", role="owner")
    co_owner = gateway(auth_url, _identify(client, _login(client, "co-owner", PASSWORD)))
    admin_account = f"{USERS}/{admin_identity.account_id}"

    for change in (
        {"password": "hijacked-password-42"},
        {"sso_subject": "attacker-sub"},
        {"is_active": False},
        {"role": "member"},
    ):
        refused = co_owner.patch(admin_account, json=change)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error_code"] == "platform_admin_required"
    after = as_admin.get(admin_account).json()
    assert (after["is_active"], after["role"], after["sso_subject"]) == (True, "owner", None)
    # The administrator still manages their own account.
    assert as_admin.patch(admin_account, json={"sso_subject": "admin-sub"}).status_code == 200
