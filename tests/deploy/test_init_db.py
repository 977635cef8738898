"""scripts/init-db.sh against a real PostgreSQL database (a fresh one per test)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "init-db.sh"
MIGRATIONS = REPO / "migrations"


def run_script(
    *args: str, database_url: str | None, migrations_dir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MIGRATIONS_DIR"}}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    if migrations_dir is not None:
        env["MIGRATIONS_DIR"] = str(migrations_dir)
    # From another directory: the script must find the repository by its own location.
    return subprocess.run(
        [str(SCRIPT), *args], env=env, cwd="/", capture_output=True, text=True, timeout=120
    )


def expected_rows(root: Path) -> set[tuple[str, str]]:
    rows = {("init", "init.sql")}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        rows |= {(folder.name, f.name) for f in folder.glob("0*.sql")}
    return rows


async def _applied(database_url: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(database_url)
    try:
        records = await conn.fetch("SELECT service, filename FROM public.schema_migrations")
    finally:
        await conn.close()
    return {(r["service"], r["filename"]) for r in records}


def applied(database_url: str) -> set[tuple[str, str]]:
    return asyncio.run(_applied(database_url))


def test_script_is_executable_and_strict() -> None:
    assert os.access(SCRIPT, os.X_OK)
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in text


def test_applies_init_and_every_service_folder(database_url: str) -> None:
    result = run_script(database_url=database_url)
    assert result.returncode == 0, result.stderr
    rows = applied(database_url)
    assert rows == expected_rows(MIGRATIONS)
    services_applied = {service for service, _ in rows}
    assert services_applied == {"init"} | {p.name for p in MIGRATIONS.iterdir() if p.is_dir()}

    # A second run applies nothing and still succeeds.
    again = run_script(database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert "applied 0 migration(s)" in again.stdout
    assert applied(database_url) == rows


def test_named_services_only(database_url: str) -> None:
    result = run_script("catalog", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert {service for service, _ in applied(database_url)} == {"init", "catalog"}


def test_a_failing_migration_exits_non_zero(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, broken)
    (broken / "catalog" / "0999_broken.sql").write_text("CREATE TABLE catalog.oops (;\n")
    result = run_script(database_url=database_url, migrations_dir=broken)
    assert result.returncode != 0
    assert "0999_broken.sql" in result.stderr
    assert ("catalog", "0999_broken.sql") not in applied(database_url)


def test_without_database_url_it_refuses() -> None:
    result = run_script(database_url=None)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_a_missing_migrations_dir_is_an_error(database_url: str, tmp_path: Path) -> None:
    result = run_script(database_url=database_url, migrations_dir=tmp_path / "nowhere")
    assert result.returncode != 0
    assert "init.sql" in result.stderr
