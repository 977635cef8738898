"""The migration runner: init.sql, then each service's `0*.sql` in order.

Rules (ARCHITECTURE.md §2): every file runs in its own transaction while the runner holds
an advisory lock, so concurrent runners (several services starting at once) queue instead
of conflicting; applied files are skipped; an applied file whose checksum changed is
refused; the first failing file stops the run and is not recorded.

Usage: ``python -m mpflow_platform.migrations [--dsn URL] [--dir migrations] [service ...]``
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger("mpflow.migrations")

#: Advisory lock key shared by every runner ("mpflow-migrations" folded to a bigint).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"mpflow-migrations").digest()[:8], "big", signed=True)
INIT_SERVICE = "init"
SERVICES = ("gateway", "auth", "catalog", "inventory", "finance", "ozon")


class MigrationError(RuntimeError):
    """A migration could not be applied; nothing of the failing file was recorded."""


@dataclass(frozen=True)
class Migration:
    service: str
    filename: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(root: Path, services: list[str]) -> list[Migration]:
    """init.sql first, then each service's `0*.sql` files in file-name order."""
    init = root / "init.sql"
    if not init.is_file():
        raise MigrationError(f"{init} not found")
    found = [Migration(INIT_SERVICE, "init.sql", init.read_text())]
    for service in services:
        folder = root / service
        if not folder.is_dir():
            raise MigrationError(f"no migrations folder for service {service!r} in {root}")
        for path in sorted(folder.glob("0*.sql")):
            found.append(Migration(service, path.name, path.read_text()))
    return found


async def _applied_checksum(conn: asyncpg.Connection, m: Migration) -> str | None:
    exists = await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
    if not exists:
        return None
    value: str | None = await conn.fetchval(
        "SELECT checksum FROM public.schema_migrations WHERE service = $1 AND filename = $2",
        m.service,
        m.filename,
    )
    return value


async def _apply_one(conn: asyncpg.Connection, m: Migration) -> bool:
    """Apply one file in its own transaction; False when it was already applied."""
    applied = await _applied_checksum(conn, m)
    if applied == m.checksum:
        return False
    if applied is not None and m.service != INIT_SERVICE:
        raise MigrationError(
            f"{m.service}/{m.filename} was applied with checksum {applied[:12]}… but the file "
            f"now has {m.checksum[:12]}…: never edit an applied migration, add a new one"
        )
    try:
        async with conn.transaction():
            await conn.execute(m.sql)
            # init.sql is idempotent by contract and is re-run when it changes.
            await conn.execute(
                """
                INSERT INTO public.schema_migrations (service, filename, checksum, applied_at)
                VALUES ($1, $2, $3, now())
                ON CONFLICT (service, filename)
                DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = EXCLUDED.applied_at
                """,
                m.service,
                m.filename,
                m.checksum,
            )
    except asyncpg.PostgresError as exc:
        raise MigrationError(f"{m.service}/{m.filename} failed: {exc}") from exc
    log.info("migration applied", extra={"migration": f"{m.service}/{m.filename}"})
    return True


async def apply_migrations(dsn: str, root: Path, services: list[str] | None = None) -> list[str]:
    """Apply pending migrations of `services` (all when None); returns what was applied."""
    wanted = list(services) if services else list(SERVICES)
    migrations = discover(root, wanted)
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        try:
            for m in migrations:
                if await _apply_one(conn, m):
                    applied.append(f"{m.service}/{m.filename}")
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await conn.close()
    return applied


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (containers, scripts/init-db.sh)."""
    from mpflow_platform.settings import find_migrations_dir

    parser = argparse.ArgumentParser(description="Apply OpenMPFlow database migrations")
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--dir", type=Path, default=os.environ.get("MIGRATIONS_DIR"))
    parser.add_argument("services", nargs="*", help=f"default: all of {', '.join(SERVICES)}")
    args = parser.parse_args(argv)
    if not args.dsn:
        parser.error("--dsn or DATABASE_URL is required")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root = args.dir or find_migrations_dir(Path.cwd())
    try:
        done = asyncio.run(apply_migrations(args.dsn, root, args.services or None))
    except MigrationError as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(f"applied {len(done)} migration(s)" + "".join(f"\n  {d}" for d in done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
