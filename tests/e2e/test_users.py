"""Accounts through the real gateway: owners manage them, members and narrow keys cannot,
a platform administrator opens tenants, and a deactivated account stops at once."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import RunningSystem

PASSWORD = "quartz-harbor-lantern-5"


def _owner(system: RunningSystem) -> httpx.Client:
    username, password = system.new_tenant()
    return system.client(system.login(username, password))


def _add(owner: httpx.Client, username: str, **extra: Any) -> dict[str, Any]:
    response = owner.post(
        "/v1/admin/users", json={"username": username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_deactivated_member_is_refused_on_the_next_request(system: RunningSystem) -> None:
    with _owner(system) as owner:
        member = _add(owner, "e2e-member-1")
        with system.client(system.login("e2e-member-1", PASSWORD)) as as_member:
            key = as_member.post("/v1/admin/api-keys", json={"name": "bot", "scopes": ["*"]})
            assert key.status_code == 201, key.text
            with system.client(key.json()["key"]) as agent:
                assert as_member.get("/v1/admin/master-cards").status_code == 200  # cached now
                assert agent.get("/v1/admin/master-cards").status_code == 200

                managed = as_member.get("/v1/admin/users")
                done = owner.patch(f"/v1/admin/users/{member['id']}", json={"is_active": False})

                assert managed.status_code == 403
                assert managed.json()["error_code"] == "owner_required"
                assert done.status_code == 200
                assert as_member.get("/v1/admin/master-cards").status_code == 401
                assert agent.get("/v1/admin/master-cards").status_code == 401


def test_an_admin_read_key_lists_accounts_but_cannot_add_one(system: RunningSystem) -> None:
    with _owner(system) as owner:
        key = owner.post("/v1/admin/api-keys", json={"name": "audit", "scopes": ["admin:read"]})
        with system.client(key.json()["key"]) as auditor:
            listed = auditor.get("/v1/admin/users")
            added = auditor.post(
                "/v1/admin/users", json={"username": "e2e-nope", "password": PASSWORD}
            )
            settings = auditor.put("/v1/admin/settings", json={"language": "en"})

        assert listed.status_code == 200 and listed.json()["total"] == 1
        assert added.status_code == 403 and added.json()["error_code"] == "insufficient_scope"
        assert settings.status_code == 403
        assert owner.get("/v1/admin/settings").json()["language"] == "ru"


def test_the_platform_admin_opens_a_tenant_whose_owner_signs_in(system: RunningSystem) -> None:
    with system.client(system.admin_token()) as admin:
        created = admin.post(
            "/v1/admin/users",
            json={
                "username": "e2e-newco",
                "password": PASSWORD,
                "role": "owner",
                "new_tenant": True,
            },
        )
    assert created.status_code == 201, created.text
    tenant = created.json()
    assert tenant["id"] == tenant["user_id"]
    with system.client(system.login("e2e-newco", PASSWORD)) as newco:
        me = newco.get("/v1/admin/auth/me").json()
        cards = newco.get("/v1/admin/master-cards").json()
    assert me["user_id"] == tenant["id"] and me["role"] == "owner" and cards["total"] == 0
