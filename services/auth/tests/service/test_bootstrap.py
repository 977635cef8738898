from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from auth.main import create_app
from auth.user.service import ensure_platform_admin
from mpflow_platform.db import create_pool
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir
from mpflow_testing.servers import run_app

Db = Callable[..., list[dict[str, Any]]]
Gateway = Callable[..., httpx.Client]
_ADMINS = "SELECT id, user_id, username, role FROM auth.users WHERE is_platform_admin"
_STRONG = "correct-horse-battery-staple"


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/v1/admin/auth/login", json={"username": username, "password": password})


def test_bootstrap_creates_exactly_one_platform_admin_owning_its_tenant(
    auth_url: str, db: Db, admin: Any
) -> None:
    admins = db(_ADMINS)

    assert len(admins) == 1
    assert admins[0]["username"] == admin.username
    assert admins[0]["role"] == "owner"
    assert admins[0]["user_id"] == admins[0]["id"]


def test_the_bootstrap_admin_signs_in_with_the_configured_password(
    client: httpx.Client, admin: Any
) -> None:
    response = _login(client, admin.username, admin.password)

    assert response.status_code == 200
    assert response.json()["user"]["is_platform_admin"] is True


def test_restarting_the_service_does_not_create_a_second_admin(auth_env: None, db: Db) -> None:
    with run_app(create_app()):
        first = db(_ADMINS)

    with run_app(create_app()):
        second = db(_ADMINS)

    assert len(second) == 1
    assert second == first


async def test_replicas_bootstrapping_together_create_one_admin(database_url: str) -> None:
    await apply_migrations(database_url, find_migrations_dir(), ["auth"])
    pool = await create_pool(database_url, application_name="test", max_size=8)

    try:
        results = await asyncio.gather(
            *(
                ensure_platform_admin(pool=pool, username="admin", password=_STRONG)
                for _ in range(4)
            )
        )
        count = await pool.fetchval("SELECT count(*) FROM auth.users WHERE is_platform_admin")
    finally:
        await pool.close()

    assert count == 1
    assert sum(r is not None for r in results) == 1


def test_without_a_configured_password_a_random_one_is_printed_once_and_works(
    auth_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    gateway: Gateway,
) -> None:
    monkeypatch.delenv("ADMIN_BOOTSTRAP_PASSWORD")
    with run_app(create_app()) as url:
        err = capfd.readouterr().err
        match = re.search(r"password: (\S+)", err)
        assert match is not None, err
        password = match.group(1)
        assert err.count(password) == 1
        response = _login(gateway(url), "admin", password)
    out_after_login = capfd.readouterr()

    with run_app(create_app()):
        pass
    after_restart = capfd.readouterr()

    assert response.status_code == 200
    assert len(password) >= 20
    assert password not in out_after_login.out + out_after_login.err
    assert "password:" not in after_restart.err
    assert password not in after_restart.out + after_restart.err


def test_a_configured_password_is_never_printed(
    auth_env: None, capfd: pytest.CaptureFixture[str], admin: Any
) -> None:
    with run_app(create_app()):
        pass

    captured = capfd.readouterr()

    assert admin.password not in captured.out + captured.err


def test_a_bootstrap_password_shorter_than_ten_characters_is_refused(
    auth_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", "admin123")

    with pytest.raises(ValidationError, match="at least 10 characters"):
        create_app()


def test_a_bootstrap_password_equal_to_the_username_is_refused(
    auth_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_BOOTSTRAP_USERNAME", "administrator")
    monkeypatch.setenv("ADMIN_BOOTSTRAP_PASSWORD", "administrator")

    with pytest.raises(ValidationError, match="must not equal the username"):
        create_app()


def test_service_refuses_to_start_when_the_bootstrap_username_belongs_to_a_non_admin(
    auth_env: None, db: Db
) -> None:
    with run_app(create_app()):
        pass
    db("UPDATE auth.users SET is_platform_admin = false")

    with pytest.raises(RuntimeError, match="did not start"), run_app(create_app()):
        pass

    assert db(_ADMINS) == []
