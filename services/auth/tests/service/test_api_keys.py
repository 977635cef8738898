"""API keys: shown once, stored hashed, scoped, expiring, rotatable, revocable."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from auth.apikey.model import checksum, parse_key
from mpflow_platform.http.identity import Identity

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
AUTHENTICATE = "/internal/authenticate"
KEYS = "/v1/admin/api-keys"


@pytest.fixture
def owner(client: httpx.Client, admin: Any) -> Identity:
    """The bootstrap administrator (owner of its tenant), signed in with a session."""
    login = client.post(
        "/v1/admin/auth/login", json={"username": admin.username, "password": admin.password}
    )
    assert login.status_code == 200, login.text
    return _authenticate(client, login.json()["access_token"])


@pytest.fixture
def as_owner(gateway: Gateway, auth_url: str, owner: Identity) -> httpx.Client:
    return gateway(auth_url, owner)


def _authenticate(client: httpx.Client, token: str) -> Identity:
    response = client.post(AUTHENTICATE, json={"token": token})
    assert response.status_code == 200, response.text
    return Identity.from_claims(response.json())


def _status(client: httpx.Client, token: str) -> int:
    return client.post(AUTHENTICATE, json={"token": token}).status_code


def _create(caller: httpx.Client, scopes: list[str], **extra: Any) -> dict[str, Any]:
    response = caller.post(KEYS, json={"name": "agent", "scopes": scopes, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _member(db: Db, tenant: uuid.UUID, username: str = "mia") -> Identity:
    """A member account of `tenant`, as the gateway would identify it."""
    account = uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
        "VALUES ($1, $2, $3, '!unusable', 'member')",
        account,
        tenant,
        username,
    )
    return Identity(
        user_id=tenant,
        account_id=account,
        username=username,
        role="member",
        scopes=("*",),
        credential="session",
    )


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored(
    as_owner: httpx.Client, db: Db
) -> None:
    created = _create(as_owner, ["catalog:read"])

    key = created["key"]
    parsed = parse_key(key)
    assert parsed is not None and key.startswith(created["prefix"] + "_")
    assert created["status"] == "active" and created["scopes"] == ["catalog:read"]
    listed = as_owner.get(KEYS).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    (row,) = db("SELECT * FROM auth.api_keys")
    assert bytes(row["secret_hash"]) == hashlib.sha256(parsed.secret.encode()).digest()
    assert parsed.secret not in str(row)


def test_the_checksum_tells_a_real_key_from_random_text(as_owner: httpx.Client) -> None:
    key = _create(as_owner, ["*"])["key"]
    body, check = key[:-6], key[-6:]

    assert checksum(body) == check
    assert parse_key(body + ("0" if check[0] != "0" else "1") + check[1:]) is None


def test_a_key_authenticates_as_its_account_with_its_scopes(
    as_owner: httpx.Client, client: httpx.Client, owner: Identity
) -> None:
    created = _create(as_owner, ["catalog:read", "inventory:*"])

    identity = _authenticate(client, created["key"])

    assert identity.user_id == owner.user_id and identity.account_id == owner.account_id
    assert identity.credential == "api_key" and identity.api_key_id == created["id"]
    assert identity.scopes == ("catalog:read", "inventory:*")
    assert not identity.is_platform_admin  # only a key holding `*` acts as one


def test_a_forged_or_altered_key_is_refused(as_owner: httpx.Client, client: httpx.Client) -> None:
    key = _create(as_owner, ["*"])["key"]
    parsed = parse_key(key)
    assert parsed is not None
    other_secret = ("A" if parsed.secret[0] != "A" else "B") + parsed.secret[1:]
    forged_body = f"mpk_{parsed.public_id}_{other_secret}"

    assert _status(client, forged_body + checksum(forged_body)) == 401
    assert _status(client, key[:-1]) == 401
    assert _status(client, "mpk_" + "x" * 50) == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scopes": ["catalog:delete"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "", "scopes": ["*"]}, "name"),
        ({"name": "x", "scopes": ["*"], "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "scopes": ["*"], "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"name": "x", "scopes": ["*"], "rate_limit": 5}, "rate_limit"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    as_owner: httpx.Client, body: dict[str, Any], field: str, db: Db
) -> None:
    response = as_owner.post(KEYS, json=body)

    assert response.status_code == 422
    assert field in str(response.json()["invalid_params"])
    assert db("SELECT count(*) AS n FROM auth.api_keys")[0]["n"] == 0


def test_a_key_cannot_hand_out_more_than_it_holds(
    gateway: Gateway, auth_url: str, owner: Identity, db: Db
) -> None:
    narrow = replace(owner, scopes=("catalog:*",), credential="api_key")
    caller = gateway(auth_url, narrow)

    ok = caller.post(KEYS, json={"name": "reader", "scopes": ["catalog:read"]})
    refused = [
        caller.post(KEYS, json={"name": "more", "scopes": scopes})
        for scopes in (["inventory:read"], ["admin:read"], ["mcp"], ["*"])
    ]

    assert ok.status_code == 201
    assert [r.status_code for r in refused] == [403] * 4
    assert refused[0].json()["error_code"] == "scope_escalation"
    assert db("SELECT count(*) AS n FROM auth.api_keys")[0]["n"] == 1


def test_a_revoked_key_stops_at_once_and_the_gateways_are_told(
    as_owner: httpx.Client, client: httpx.Client, db: Db
) -> None:
    created = _create(as_owner, ["*"])
    assert _status(client, created["key"]) == 200

    first = as_owner.delete(f"{KEYS}/{created['id']}")
    again = as_owner.delete(f"{KEYS}/{created['id']}")

    assert first.status_code == 200 and first.json()["status"] == "revoked"
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    assert _status(client, created["key"]) == 401
    events = db("SELECT payload FROM auth.outbox WHERE subject = 'mpflow.auth.access.revoked'")
    assert [e["payload"]["data"]["api_key_id"] for e in events] == [created["id"]]


def test_an_expired_key_is_refused(as_owner: httpx.Client, client: httpx.Client, db: Db) -> None:
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    created = _create(as_owner, ["*"], expires_at=soon)
    assert _status(client, created["key"]) == 200

    time.sleep(2.5)

    assert _status(client, created["key"]) == 401
    assert as_owner.get(f"{KEYS}/{created['id']}").json()["status"] == "expired"


def test_rotation_gives_a_new_secret_and_keeps_the_old_one_for_the_grace_period(
    as_owner: httpx.Client, client: httpx.Client, db: Db
) -> None:
    created = _create(as_owner, ["catalog:read"])

    rotated = as_owner.post(f"{KEYS}/{created['id']}/rotate", json={"grace_seconds": 60})

    assert rotated.status_code == 200
    new_key = rotated.json()["key"]
    assert new_key != created["key"] and rotated.json()["prefix"] == created["prefix"]
    assert _status(client, new_key) == 200
    assert _status(client, created["key"]) == 200  # within the grace period
    db("UPDATE auth.api_keys SET previous_valid_until = now() - interval '1 second'")
    assert _status(client, created["key"]) == 401
    assert _status(client, new_key) == 200


def test_rotation_without_grace_ends_the_old_secret_at_once(
    as_owner: httpx.Client, client: httpx.Client
) -> None:
    created = _create(as_owner, ["*"])

    rotated = as_owner.post(f"{KEYS}/{created['id']}/rotate", json={"grace_seconds": 0})

    assert _status(client, created["key"]) == 401
    assert _status(client, rotated.json()["key"]) == 200


def test_last_use_is_recorded_at_most_once_a_minute(
    as_owner: httpx.Client, client: httpx.Client, db: Db
) -> None:
    created = _create(as_owner, ["*"])
    assert created["last_used_at"] is None

    _authenticate(client, created["key"])
    first = db("SELECT last_used_at FROM auth.api_keys")[0]["last_used_at"]
    _authenticate(client, created["key"])
    second = db("SELECT last_used_at FROM auth.api_keys")[0]["last_used_at"]

    assert first is not None and second == first


def test_the_key_of_a_deactivated_account_stops_working(
    as_owner: httpx.Client,
    client: httpx.Client,
    gateway: Gateway,
    auth_url: str,
    db: Db,
    owner: Identity,
) -> None:
    member = _member(db, owner.user_id)  # type: ignore[arg-type]
    key = _create(gateway(auth_url, member), ["*"])["key"]
    assert _status(client, key) == 200

    db("UPDATE auth.users SET is_active = false WHERE id = $1", member.account_id)

    assert _status(client, key) == 401


def test_members_see_and_manage_only_their_own_keys(
    as_owner: httpx.Client, gateway: Gateway, auth_url: str, db: Db, owner: Identity
) -> None:
    owners_key = _create(as_owner, ["*"])
    as_member = gateway(auth_url, _member(db, owner.user_id))  # type: ignore[arg-type]
    members_key = _create(as_member, ["catalog:read"])

    assert [k["id"] for k in as_member.get(KEYS).json()["items"]] == [members_key["id"]]
    assert {k["id"] for k in as_owner.get(KEYS).json()["items"]} == {
        owners_key["id"],
        members_key["id"],
    }
    assert as_member.get(f"{KEYS}/{owners_key['id']}").status_code == 404
    assert as_member.delete(f"{KEYS}/{owners_key['id']}").status_code == 404
    assert as_owner.get(f"{KEYS}/{owners_key['id']}").json()["status"] == "active"


def test_another_tenant_cannot_see_or_touch_a_key(
    as_owner: httpx.Client, gateway: Gateway, auth_url: str, db: Db
) -> None:
    created = _create(as_owner, ["*"])
    stranger_tenant = uuid.uuid4()
    db(
        "INSERT INTO auth.users (id, user_id, username, password_hash, role) "
        "VALUES ($1, $1, 'stranger', '!unusable', 'owner')",
        stranger_tenant,
    )
    stranger = gateway(
        auth_url,
        Identity(
            user_id=stranger_tenant,
            account_id=stranger_tenant,
            username="stranger",
            role="owner",
            scopes=("*",),
        ),
    )

    assert stranger.get(KEYS).json()["items"] == []
    for response in (
        stranger.get(f"{KEYS}/{created['id']}"),
        stranger.delete(f"{KEYS}/{created['id']}"),
        stranger.post(f"{KEYS}/{created['id']}/rotate", json={}),
    ):
        assert response.status_code == 404
    assert as_owner.get(f"{KEYS}/{created['id']}").json()["status"] == "active"
