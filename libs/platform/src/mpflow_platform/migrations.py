"""The migration runner: init.sql, then each service's `0*.sql` in order.

Rules (ARCHITECTURE.md §2): every file runs in its own transaction while the runner holds
an advisory lock, so concurrent runners (several services starting at once) queue instead
of conflicting; applied files are skipped; an applied file whose checksum changed is
refused; the first failing file stops the run and is not recorded.

Usage: ``python -m mpflow_platform.migrations [--dsn URL] [--dir migrations]
[--app-role NAME] [service ...]``

With ``--app-role mpflow_app`` the runner also creates (or updates) the login role the
services connect as, after the migrations: LOGIN, NOINHERIT, password from the environment
variable APP_DB_PASSWORD (``--app-password-env``; sent as a SCRAM verifier, never printed or
logged), member of every ``mpflow_<service>`` role so each service can switch to its own.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
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


_ROLE_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SCRAM_ITERATIONS = 4096


def scram_sha256_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (as `\\password` in psql
    computes it): the server never sees the password itself, so it cannot reach its logs."""
    if not password.isascii() or not password.isprintable():
        raise MigrationError("the application role's password must be printable ASCII")
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


async def ensure_app_role(dsn: str, role: str, password: str) -> None:
    """Create or update the login role the services connect as: LOGIN, NOINHERIT (it holds
    no privileges of its own), `password`, member of every `mpflow_<service>` role (so each
    service may SET ROLE to its own). Idempotent; run after the migrations (init.sql creates
    the service roles)."""
    if not _ROLE_NAME_RE.fullmatch(role) or role in {f"mpflow_{s}" for s in SERVICES}:
        raise MigrationError(
            f"invalid application role name {role!r}: lower-case letters, digits and _, "
            "and not one of the mpflow_<service> roles"
        )
    if not password:
        raise MigrationError(f"no password for the application role {role!r}")
    verifier = scram_sha256_verifier(password)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        try:
            async with conn.transaction():
                missing = [
                    f"mpflow_{s}"
                    for s in SERVICES
                    if not await conn.fetchval(
                        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", f"mpflow_{s}"
                    )
                ]
                if missing:
                    raise MigrationError(
                        f"the service roles {', '.join(missing)} do not exist: apply the "
                        "migrations as a user that may create roles, or create them "
                        '(docs/operations.md, "Database roles")'
                    )
                exists = await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role
                )
                verb = "ALTER" if exists else "CREATE"
                # A utility statement takes no parameters: the verifier is quoted as a literal
                # (it is base64 and `$`/`:`, and quote_literal makes any value safe).
                literal = await conn.fetchval("SELECT quote_literal($1::text)", verifier)
                # (A new role has no other attribute; superuser-only ones are not named, so
                # a migrating user with CREATEROLE but not SUPERUSER can run this too.)
                await conn.execute(f'{verb} ROLE "{role}" LOGIN NOINHERIT PASSWORD {literal}')
                for service in SERVICES:
                    already = await conn.fetchval(
                        "SELECT pg_has_role($1, $2, 'MEMBER')", role, f"mpflow_{service}"
                    )
                    if not already:
                        await conn.execute(f'GRANT "mpflow_{service}" TO "{role}"')
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"cannot create or update the role {role!r}: {exc}") from exc
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await conn.close()
    log.info("application role ready", extra={"role": role})


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (containers, scripts/init-db.sh)."""
    from mpflow_platform.settings import find_migrations_dir

    parser = argparse.ArgumentParser(description="Apply OpenMPFlow database migrations")
    parser.add_argument("--dsn", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--dir", type=Path, default=os.environ.get("MIGRATIONS_DIR"))
    parser.add_argument(
        "--app-role",
        metavar="NAME",
        help="also create or update this login role (e.g. mpflow_app), member of every "
        "mpflow_<service> role, with the password from --app-password-env",
    )
    parser.add_argument(
        "--app-password-env",
        metavar="VAR",
        default="APP_DB_PASSWORD",
        help="environment variable holding the --app-role password (default: %(default)s)",
    )
    parser.add_argument("services", nargs="*", help=f"default: all of {', '.join(SERVICES)}")
    args = parser.parse_args(argv)
    if not args.dsn:
        parser.error("--dsn or DATABASE_URL is required")
    password = os.environ.get(args.app_password_env, "") if args.app_role else ""
    if args.app_role and not password:
        parser.error(f"--app-role needs a password in the environment: set {args.app_password_env}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root = args.dir or find_migrations_dir(Path.cwd())
    try:
        done = asyncio.run(apply_migrations(args.dsn, root, args.services or None))
    except MigrationError as exc:
        print(f"migration failed: {exc}", file=sys.stderr)
        return 1
    print(f"applied {len(done)} migration(s)" + "".join(f"\n  {d}" for d in done))
    if args.app_role:
        try:
            asyncio.run(ensure_app_role(args.dsn, args.app_role, password))
        except MigrationError as exc:
            print(f"application role failed: {exc}", file=sys.stderr)
            return 1
        print(f"application role {args.app_role} ready (member of every mpflow_<service> role)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
