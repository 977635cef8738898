"""scripts/init-db.sh against a real PostgreSQL database (a fresh one per test)."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from mpflow_platform.migrations import SERVICES, scram_sha256_verifier

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "init-db.sh"
MIGRATIONS = REPO / "migrations"


def run_script(
    *args: str,
    database_url: str | None,
    migrations_dir: Path | None = None,
    app_password: str | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "MIGRATIONS_DIR", "APP_DB_PASSWORD"}
    }
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    if migrations_dir is not None:
        env["MIGRATIONS_DIR"] = str(migrations_dir)
    if app_password is not None:
        env["APP_DB_PASSWORD"] = app_password
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


# --- the services' login role (--app-role, as the compose migrate job runs it) -------------


@pytest.fixture
def app_role(pg_url: str) -> Iterator[str]:
    """A login role name of this test's own (roles are cluster-wide); dropped afterwards."""
    name = f"mpflow_app_{uuid.uuid4().hex[:8]}"
    yield name

    async def drop() -> None:
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
        finally:
            await conn.close()

    asyncio.run(drop())


def role_facts(database_url: str, role: str) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        conn = await asyncpg.connect(database_url)
        try:
            row = await conn.fetchrow(
                "SELECT rolcanlogin, rolinherit, rolsuper, rolbypassrls, rolpassword "
                "FROM pg_authid WHERE rolname = $1",
                role,
            )
            assert row is not None, f"role {role} was not created"
            member_of = await conn.fetch(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)",
                role,
            )
            return {**dict(row), "member_of": {r["rolname"] for r in member_of}}
        finally:
            await conn.close()

    return asyncio.run(read())


def password_matches(verifier: str, password: str) -> bool:
    """Whether a stored SCRAM-SHA-256 verifier is the one of `password`."""
    method, _, rest = verifier.partition("$")
    iterations_salt, _, _keys = rest.partition("$")
    _iterations, _, salt = iterations_salt.partition(":")
    assert method == "SCRAM-SHA-256"
    return scram_sha256_verifier(password, salt=base64.b64decode(salt)) == verifier


def can_switch_to(database_url: str, login: str, role: str) -> str:
    """current_user of a session logged in as `login` that switched to `role` (trust auth)."""

    async def run() -> str:
        url = database_url.replace("://postgres@", f"://{login}@", 1)
        conn = await asyncpg.connect(url, server_settings={"role": role})
        try:
            return str(await conn.fetchval("SELECT current_user"))
        finally:
            await conn.close()

    return asyncio.run(run())


def test_app_role_is_created_as_a_member_of_every_service_role(
    database_url: str, app_role: str
) -> None:
    password = "apppw0123456789abcdef"
    result = run_script("--app-role", app_role, database_url=database_url, app_password=password)
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout + result.stderr
    assert f"application role {app_role} ready" in result.stdout

    facts = role_facts(database_url, app_role)
    assert facts["rolcanlogin"] and not facts["rolinherit"]
    assert not facts["rolsuper"] and not facts["rolbypassrls"]
    assert facts["member_of"] == {f"mpflow_{s}" for s in SERVICES}
    assert password_matches(facts["rolpassword"], password)
    if "://postgres@" in database_url:
        assert can_switch_to(database_url, app_role, "mpflow_catalog") == "mpflow_catalog"

    # Again, with a new password: still fine, password updated, memberships unchanged.
    again = run_script("--app-role", app_role, database_url=database_url, app_password="newpw42")
    assert again.returncode == 0, again.stderr
    assert "applied 0 migration(s)" in again.stdout
    facts = role_facts(database_url, app_role)
    assert password_matches(facts["rolpassword"], "newpw42")
    assert not password_matches(facts["rolpassword"], password)
    assert facts["member_of"] == {f"mpflow_{s}" for s in SERVICES}


def test_app_role_without_a_password_is_refused(database_url: str, app_role: str) -> None:
    result = run_script("--app-role", app_role, database_url=database_url)
    assert result.returncode != 0
    assert "APP_DB_PASSWORD" in result.stderr

    async def migrated() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            return bool(await conn.fetchval("SELECT to_regclass('public.schema_migrations')"))
        finally:
            await conn.close()

    assert not asyncio.run(migrated()), "nothing may run before the arguments are checked"


def test_app_role_cannot_be_a_service_role(database_url: str) -> None:
    result = run_script(
        "--app-role", "mpflow_catalog", database_url=database_url, app_password="pw0123456789"
    )
    assert result.returncode != 0
    assert "invalid application role name" in result.stderr


def test_the_verifier_is_the_one_postgres_computes(pg_url: str) -> None:
    """scram_sha256_verifier agrees with PostgreSQL's own hashing of the same password."""
    name = f"mpflow_scram_{uuid.uuid4().hex[:8]}"

    async def stored() -> str:
        conn = await asyncpg.connect(pg_url)
        try:
            await conn.execute("SET password_encryption = 'scram-sha-256'")
            await conn.execute(f"CREATE ROLE \"{name}\" PASSWORD 'Secret-pw 42'")
            value: str = await conn.fetchval(
                "SELECT rolpassword FROM pg_authid WHERE rolname = $1", name
            )
            return value
        finally:
            await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
            await conn.close()

    verifier = asyncio.run(stored())
    assert password_matches(verifier, "Secret-pw 42")
    assert not password_matches(verifier, "Secret-pw 43")
