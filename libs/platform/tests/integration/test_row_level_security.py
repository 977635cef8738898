"""Row-level security through the services' database helper: a pool running as the
non-owner `mpflow_catalog` role on catalog's migrated schema sees only the transaction's
tenant, and the role and tenant behave as the services rely on (a real PostgreSQL, a fresh
database per test)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import pytest

from mpflow_platform.db import (
    DatabaseRoleError,
    Pool,
    create_pool,
    set_tenant,
    transaction,
)
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.service import ServiceSpec, create_service_app
from mpflow_platform.settings import ServiceSettings, find_migrations_dir

TENANT_A = UUID("0190a000-0000-7000-8000-00000000000a")
TENANT_B = UUID("0190b000-0000-7000-8000-00000000000b")
ROLE = "mpflow_catalog"


async def _seed(database_url: str) -> None:
    """Catalog's schema, and two cards of A and one of B inserted as the superuser."""
    await apply_migrations(database_url, find_migrations_dir(), ["catalog"])
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO catalog.master_cards (id, user_id, sku, title) VALUES ($1, $2, $3, $4)",
            [
                (uuid.uuid4(), TENANT_A, "A-1", "first of A"),
                (uuid.uuid4(), TENANT_A, "A-2", "second of A"),
                (uuid.uuid4(), TENANT_B, "B-1", "only of B"),
            ],
        )
    finally:
        await conn.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    """One connection only, so every acquisition reuses the same server session."""
    await _seed(database_url)
    pool = await create_pool(database_url, application_name="rls-test", max_size=1, role=ROLE)
    yield pool
    await pool.close()


async def test_the_superuser_sees_every_tenant(database_url: str, pool: Pool) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM catalog.master_cards") == 3
    finally:
        await conn.close()


async def test_an_unfiltered_query_returns_only_the_tenants_rows(pool: Pool) -> None:
    async with transaction(pool, user_id=TENANT_A) as tx:
        assert await tx.fetchval("SELECT current_user") == ROLE
        rows = await tx.fetch("SELECT * FROM catalog.master_cards ORDER BY sku")
    assert [r["sku"] for r in rows] == ["A-1", "A-2"]
    assert {r["user_id"] for r in rows} == {TENANT_A}

    async with transaction(pool, user_id=TENANT_B) as tx:
        rows = await tx.fetch("SELECT * FROM catalog.master_cards")
        # Neither updates nor deletes reach another tenant's rows.
        assert await tx.execute("UPDATE catalog.master_cards SET title = 'x'") == "UPDATE 1"
        assert await tx.execute("DELETE FROM catalog.master_cards WHERE sku = 'A-1'") == "DELETE 0"
    assert [r["sku"] for r in rows] == ["B-1"]


async def test_without_a_tenant_nothing_is_visible(pool: Pool) -> None:
    async with transaction(pool) as tx:
        assert await tx.fetch("SELECT * FROM catalog.master_cards") == []
    assert await pool.fetchval("SELECT count(*) FROM catalog.master_cards") == 0


async def test_a_row_of_another_tenant_cannot_be_written(pool: Pool) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with transaction(pool, user_id=TENANT_A) as tx:
            await tx.execute(
                "INSERT INTO catalog.master_cards (id, user_id, sku, title) "
                "VALUES ($1, $2, 'B-2', 'planted')",
                uuid.uuid4(),
                TENANT_B,
            )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with transaction(pool, user_id=TENANT_A) as tx:
            await tx.execute("UPDATE catalog.master_cards SET user_id = $1", TENANT_B)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with transaction(pool) as tx:  # no tenant: no row may be written at all
            await tx.execute(
                "INSERT INTO catalog.master_cards (id, user_id, sku, title) "
                "VALUES ($1, $2, 'A-3', 'orphan')",
                uuid.uuid4(),
                TENANT_A,
            )
    async with transaction(pool, user_id=TENANT_A) as tx:
        await tx.execute(
            "INSERT INTO catalog.master_cards (id, user_id, sku, title) "
            "VALUES ($1, $2, 'A-3', 'allowed')",
            uuid.uuid4(),
            TENANT_A,
        )
        assert await tx.fetchval("SELECT count(*) FROM catalog.master_cards") == 3


async def test_the_role_survives_the_pools_reset_and_reuse(pool: Pool) -> None:
    async with pool.acquire() as conn:
        pid = conn.get_server_pid()
        assert await conn.fetchval("SELECT current_user") == ROLE
        assert await conn.fetchval("SELECT session_user") != ROLE
        # What a careless caller (or the pool's own RESET ALL) might do to the session.
        await conn.execute("RESET ROLE")
        await conn.execute("RESET ALL")
        assert await conn.fetchval("SELECT current_user") == ROLE
    # Released (asyncpg runs its reset query), then handed out again: the same session.
    async with pool.acquire() as conn:
        assert conn.get_server_pid() == pid
        assert await conn.fetchval("SELECT current_user") == ROLE
        assert not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert await conn.fetch("SELECT * FROM catalog.master_cards") == []


async def test_the_tenant_is_local_to_its_transaction(pool: Pool) -> None:
    async with pool.acquire() as conn:
        pid = conn.get_server_pid()
        async with conn.transaction():
            await set_tenant(conn, TENANT_A)
            assert await conn.fetchval("SELECT count(*) FROM catalog.master_cards") == 2
        # The next transaction on the very same session has no tenant any more.
        async with conn.transaction():
            assert await conn.fetchval("SELECT public.mpflow_current_tenant()") is None
            assert await conn.fetchval("SELECT count(*) FROM catalog.master_cards") == 0
    async with transaction(pool) as tx:
        assert tx.get_server_pid() == pid
        assert await tx.fetch("SELECT * FROM catalog.master_cards") == []


async def test_without_a_role_the_login_user_runs_the_queries(database_url: str) -> None:
    await _seed(database_url)
    pool = await create_pool(database_url, application_name="rls-test", max_size=1)
    try:
        assert await pool.fetchval("SELECT current_user = session_user")
    finally:
        await pool.close()


async def test_a_missing_role_is_a_clear_error(database_url: str) -> None:
    with pytest.raises(DatabaseRoleError) as caught:
        await create_pool(database_url, application_name="rls-test", role="mpflow_nowhere")
    message = str(caught.value)
    assert "'mpflow_nowhere'" in message and "does not exist" in message
    assert "DB_ROLE" in message and "docs/operations.md" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_a_role_the_login_user_may_not_use_is_a_clear_error(database_url: str) -> None:
    await apply_migrations(database_url, find_migrations_dir(), ["catalog"])
    login = f"mpflow_t_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE ROLE "{login}" LOGIN')
        user_url = database_url.replace("://postgres@", f"://{login}@", 1)
        if user_url == database_url:
            pytest.skip("the test server's URL does not name the postgres user")
        with pytest.raises(DatabaseRoleError) as caught:
            await create_pool(user_url, application_name="rls-test", role=ROLE)
        message = str(caught.value)
        assert f"'{ROLE}'" in message and f"GRANT {ROLE} TO" in message
        # Once granted (what the migrate job does for mpflow_app), it works.
        await admin.execute(f'GRANT "{ROLE}" TO "{login}"')
        pool = await create_pool(user_url, application_name="rls-test", role=ROLE)
        try:
            assert await pool.fetchval("SELECT current_user") == ROLE
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP ROLE IF EXISTS "{login}"')
        await admin.close()


def test_settings_resolve_the_role_and_the_migration_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DB_ROLE", "MIGRATION_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://mpflow_app@db/mpflow")
    settings = ServiceSettings()
    assert settings.resolved_db_role("catalog") == "mpflow_catalog"
    assert settings.resolved_migration_database_url() == "postgresql://mpflow_app@db/mpflow"

    monkeypatch.setenv("DB_ROLE", "")
    monkeypatch.setenv("MIGRATION_DATABASE_URL", "postgresql://owner@db/mpflow")
    settings = ServiceSettings()
    assert settings.resolved_db_role("catalog") is None
    assert settings.resolved_migration_database_url() == "postgresql://owner@db/mpflow"
    assert settings.database_url == "postgresql://mpflow_app@db/mpflow"

    monkeypatch.setenv("DB_ROLE", "custom_role")
    assert ServiceSettings().resolved_db_role("catalog") == "custom_role"


async def test_a_service_with_an_unusable_role_does_not_start(database_url: str) -> None:
    settings = ServiceSettings(
        database_url=database_url, nats_url="nats://127.0.0.1:1", db_role="mpflow_nowhere"
    )
    app = create_service_app(ServiceSpec(name="catalog", settings=settings))
    with pytest.raises(DatabaseRoleError, match="mpflow_nowhere"):
        async with app.router.lifespan_context(app):
            pass  # pragma: no cover - never reached


async def test_migrations_use_the_migration_url(database_url: str) -> None:
    """MIGRATION_DATABASE_URL migrates; DATABASE_URL + DB_ROLE serve the queries."""
    settings = ServiceSettings(
        database_url="postgresql://nobody@127.0.0.1:1/none",
        migration_database_url=database_url,
        nats_url="nats://127.0.0.1:1",
    )
    app = create_service_app(ServiceSpec(name="catalog", settings=settings))
    with pytest.raises(OSError):  # the migrations ran; only the pool's URL is unreachable
        async with app.router.lifespan_context(app):
            pass  # pragma: no cover - never reached
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('catalog.master_cards') IS NOT NULL")
    finally:
        await conn.close()


async def test_a_service_runs_its_queries_as_its_own_role(database_url: str, nats_url: str) -> None:
    """The service lifespan: migrations as the login user, then a pool as mpflow_catalog
    (DB_ROLE unset), whose unfiltered query sees only the transaction's tenant."""
    settings = ServiceSettings(database_url=database_url, nats_url=nats_url)
    app = create_service_app(ServiceSpec(name="catalog", settings=settings))
    async with app.router.lifespan_context(app):
        pool: Pool = app.state.pool
        assert await pool.fetchval("SELECT current_user") == ROLE
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "INSERT INTO catalog.master_cards (id, user_id, sku, title) "
                "VALUES ($1, $2, 'A-9', 'a'), ($3, $4, 'B-9', 'b')",
                uuid.uuid4(),
                TENANT_A,
                uuid.uuid4(),
                TENANT_B,
            )
        finally:
            await conn.close()
        async with transaction(pool, user_id=TENANT_B) as tx:
            rows = await tx.fetch("SELECT sku FROM catalog.master_cards")
        assert [r["sku"] for r in rows] == ["B-9"]
