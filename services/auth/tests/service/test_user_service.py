from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from auth.errors import InvalidRole, InvalidUsername, TenantNotFound, UsernameTaken, WeakPassword
from auth.password import verify_password
from auth.user.service import create_user
from mpflow_platform.db import Pool, create_pool, transaction
from mpflow_platform.ids import uuid7
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    await apply_migrations(database_url, find_migrations_dir(), ["auth"])
    pool = await create_pool(database_url, application_name="test")
    yield pool
    await pool.close()


async def test_create_user_makes_the_owner_of_a_new_tenant(pool: Pool) -> None:
    async with transaction(pool) as tx:
        user = await create_user(tx=tx, username="alice", password=PASSWORD)

    assert user.user_id == user.id
    assert (user.role, user.is_platform_admin, user.is_active) == ("owner", False, True)
    stored = await pool.fetchval("SELECT password_hash FROM auth.users WHERE id = $1", user.id)
    assert stored != PASSWORD and verify_password(PASSWORD, stored)


async def test_create_user_adds_a_member_to_an_existing_tenant(pool: Pool) -> None:
    async with transaction(pool) as tx:
        owner = await create_user(tx=tx, username="alice", password=PASSWORD)
        member = await create_user(
            tx=tx, username="bob", password=PASSWORD, role="member", tenant_id=owner.user_id
        )

    assert member.user_id == owner.user_id
    assert member.id != owner.id
    assert member.role == "member"


async def test_a_duplicate_username_is_a_conflict_whatever_its_case(pool: Pool) -> None:
    async with transaction(pool) as tx:
        await create_user(tx=tx, username="alice", password=PASSWORD)

    with pytest.raises(UsernameTaken):
        async with transaction(pool) as tx:
            await create_user(tx=tx, username="ALICE", password=PASSWORD)

    assert await pool.fetchval("SELECT count(*) FROM auth.users") == 1


async def test_a_weak_password_is_refused(pool: Pool) -> None:
    with pytest.raises(WeakPassword):
        async with transaction(pool) as tx:
            await create_user(tx=tx, username="alice", password="short")


async def test_an_unusable_username_is_refused(pool: Pool) -> None:
    with pytest.raises(InvalidUsername):
        async with transaction(pool) as tx:
            await create_user(tx=tx, username="bad\x00name", password=PASSWORD)


async def test_an_unknown_role_is_refused(pool: Pool) -> None:
    with pytest.raises(InvalidRole):
        async with transaction(pool) as tx:
            await create_user(tx=tx, username="alice", password=PASSWORD, role="god")


async def test_a_member_of_an_unknown_tenant_is_refused(pool: Pool) -> None:
    with pytest.raises(TenantNotFound):
        async with transaction(pool) as tx:
            await create_user(
                tx=tx, username="bob", password=PASSWORD, role="member", tenant_id=uuid7()
            )
