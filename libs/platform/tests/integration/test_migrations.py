"""The migration runner against a real PostgreSQL (a fresh database per test)."""

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from mpflow_platform.migrations import MigrationError, apply_migrations, main
from mpflow_platform.settings import find_migrations_dir

REPO_MIGRATIONS = find_migrations_dir()


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    (root / "alpha").mkdir(parents=True)
    shutil.copy(REPO_MIGRATIONS / "init.sql", root / "init.sql")
    (root / "alpha" / "0001_create_things.sql").write_text(
        "CREATE SCHEMA alpha; CREATE TABLE alpha.things (id int PRIMARY KEY);"
    )
    (root / "alpha" / "0002_add_name.sql").write_text("ALTER TABLE alpha.things ADD name text;")
    return root


async def recorded(url: str) -> list[tuple[str, str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT service, filename FROM public.schema_migrations ORDER BY service, filename"
        )
    finally:
        await conn.close()
    return [(r["service"], r["filename"]) for r in rows]


async def test_fresh_apply_runs_init_then_service_files_in_order(
    database_url: str, migrations: Path
) -> None:
    applied = await apply_migrations(database_url, migrations, ["alpha"])

    assert applied == ["init/init.sql", "alpha/0001_create_things.sql", "alpha/0002_add_name.sql"]
    assert await recorded(database_url) == [
        ("alpha", "0001_create_things.sql"),
        ("alpha", "0002_add_name.sql"),
        ("init", "init.sql"),
    ]
    conn = await asyncpg.connect(database_url)
    applied_at = await conn.fetchval("SELECT min(applied_at) FROM public.schema_migrations")
    await conn.close()
    assert applied_at is not None


async def test_reapply_is_a_no_op(database_url: str, migrations: Path) -> None:
    await apply_migrations(database_url, migrations, ["alpha"])

    again = await apply_migrations(database_url, migrations, ["alpha"])

    assert again == []


async def test_a_failing_file_is_not_recorded_and_stops_the_run(
    database_url: str, migrations: Path
) -> None:
    (migrations / "alpha" / "0002_add_name.sql").write_text(
        "ALTER TABLE alpha.things ADD name text; SELECT 1/0;"
    )
    (migrations / "alpha" / "0003_later.sql").write_text("CREATE TABLE alpha.later (id int);")

    with pytest.raises(MigrationError, match="0002_add_name.sql failed"):
        await apply_migrations(database_url, migrations, ["alpha"])

    assert ("alpha", "0002_add_name.sql") not in await recorded(database_url)
    assert ("alpha", "0003_later.sql") not in await recorded(database_url)
    conn = await asyncpg.connect(database_url)
    column = await conn.fetchval(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = 'alpha' AND table_name = 'things' AND column_name = 'name'"
    )
    await conn.close()
    assert column == 0  # the failing file's first statement was rolled back too


async def test_a_changed_applied_file_is_refused(database_url: str, migrations: Path) -> None:
    await apply_migrations(database_url, migrations, ["alpha"])
    (migrations / "alpha" / "0001_create_things.sql").write_text(
        "CREATE SCHEMA alpha; CREATE TABLE alpha.things (id bigint PRIMARY KEY);"
    )

    with pytest.raises(MigrationError, match="never edit an applied migration"):
        await apply_migrations(database_url, migrations, ["alpha"])


async def test_concurrent_runners_apply_each_file_once(database_url: str, migrations: Path) -> None:
    results = await asyncio.gather(
        *(apply_migrations(database_url, migrations, ["alpha"]) for _ in range(5))
    )

    applied = [name for result in results for name in result]
    assert sorted(applied) == sorted(
        ["init/init.sql", "alpha/0001_create_things.sql", "alpha/0002_add_name.sql"]
    )


async def test_every_service_migration_of_the_repository_applies(database_url: str) -> None:
    await apply_migrations(database_url, REPO_MIGRATIONS)

    services = {service for service, _ in await recorded(database_url)}
    assert services == {"init", "gateway", "auth", "catalog", "inventory", "finance", "ozon"}


def test_command_line_exits_non_zero_on_failure(
    database_url: str, migrations: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (migrations / "alpha" / "0001_create_things.sql").write_text("CREATE TABLE nope.x (id int);")

    code = main(["--dsn", database_url, "--dir", str(migrations), "alpha"])

    assert code == 1
    assert "0001_create_things.sql failed" in capsys.readouterr().err
