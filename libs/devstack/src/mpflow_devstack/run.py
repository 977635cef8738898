"""`make run`: the whole system on this machine.

Starts an embedded PostgreSQL and NATS (JetStream) under the data folder unless
DATABASE_URL / NATS_URL are set, applies the migrations, starts the six services, prints
the URL and the admin's credentials, and stops everything it started on Ctrl-C, SIGTERM or
`make stop`. Data (database, JetStream, generated secrets) survive restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from mpflow_devstack.nats import EmbeddedNats
from mpflow_devstack.ports import free_port
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_devstack.stack import Stack


def _load_or_create_secrets(path: Path) -> dict[str, str]:
    """Per-installation secrets, generated once and kept (0600) so sessions survive restarts."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    wanted: dict[str, Callable[[], str]] = {
        "GATEWAY_SIGNING_KEY": lambda: secrets.token_urlsafe(32),
        "HMAC_SECRET": lambda: secrets.token_urlsafe(32),
        "ADMIN_BOOTSTRAP_PASSWORD": lambda: secrets.token_urlsafe(12),
    }
    changed = False
    for key, make in wanted.items():
        if key not in values:
            values[key] = make()
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


def _can_sign_in(base_url: str, username: str, password: str) -> bool:
    """Whether the printed credentials really open a session (they may predate this run)."""
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{base_url}/v1/admin/auth/login",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def _pid_file(data_dir: Path) -> Path:
    return data_dir / "run.pid"


def stop_running(data_dir: Path) -> int:
    """`make stop`: signal the running `make run` to shut everything down."""
    pid_file = _pid_file(data_dir)
    if not pid_file.exists():
        print("nothing is running (no data/run.pid)")
        return 0
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        print("nothing is running (stale pid file removed)")
        return 0
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print("stopped")
            return 0
        time.sleep(0.1)
    print(f"process {pid} is still running", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run OpenMPFlow locally")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("MPFLOW_DATA_DIR", "data"))
    )
    parser.add_argument("--stop", action="store_true", help="stop a running `make run`")
    parser.add_argument(
        "--free-ports",
        action="store_true",
        help="put every service on a free port (tests; the gateway too unless GATEWAY_PORT is set)",
    )
    args = parser.parse_args(argv)
    data_dir: Path = args.data_dir.resolve()
    if args.stop:
        return stop_running(data_dir)

    data_dir.mkdir(parents=True, exist_ok=True)
    _pid_file(data_dir).write_text(str(os.getpid()))
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    pg: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    stack: Stack | None = None
    try:
        generated = _load_or_create_secrets(data_dir / "secrets.env")
        env = {k: os.environ.get(k) or v for k, v in generated.items()}
        env.setdefault(
            "ADMIN_BOOTSTRAP_USERNAME", os.environ.get("ADMIN_BOOTSTRAP_USERNAME", "admin")
        )
        database_url = os.environ.get("DATABASE_URL")
        if not database_url:
            pg = EmbeddedPostgres(
                data_dir / "postgres", port=int(os.environ.get("MPFLOW_PG_PORT", "0"))
            )
            database_url = pg.start()
            print(f"embedded PostgreSQL on {database_url}")
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats = EmbeddedNats(
                data_dir / "nats", port=int(os.environ.get("MPFLOW_NATS_PORT", "0"))
            )
            nats_url = nats.start()
            print(f"embedded NATS (JetStream) on {nats_url}")

        from mpflow_platform.migrations import apply_migrations
        from mpflow_platform.settings import find_migrations_dir

        applied = asyncio.run(apply_migrations(database_url, find_migrations_dir(Path.cwd())))
        print(f"migrations: {len(applied)} applied")

        stack = Stack(
            database_url=database_url, nats_url=nats_url, log_dir=data_dir / "logs", env=env
        )
        if args.free_ports:
            stack.ports = {service: free_port() for service in stack.ports}
        if os.environ.get("GATEWAY_PORT"):
            stack.ports["gateway"] = int(os.environ["GATEWAY_PORT"])
        stack.start()
        password_note = (
            "(the initial password, kept in data/secrets.env)"
            if _can_sign_in(
                stack.url(), env["ADMIN_BOOTSTRAP_USERNAME"], env["ADMIN_BOOTSTRAP_PASSWORD"]
            )
            else "(NOT accepted: the admin already existed with another password)"
        )
        username, password = env["ADMIN_BOOTSTRAP_USERNAME"], env["ADMIN_BOOTSTRAP_PASSWORD"]
        print(
            "\nOpenMPFlow is running\n"
            f"  admin UI and API: {stack.url()}\n"
            f"  API docs:         {stack.url()}/docs\n"
            f"  sign in as:       {username} / {password}"
            f"  {password_note}\n"
            f"  logs:             {stack.log_dir}\n"
            "Press Ctrl-C (or run `make stop`) to stop.\n",
            flush=True,
        )
        while not stopping:
            for service, process in list(stack.processes.items()):
                if process.poll() is not None:
                    print(
                        f"{service} exited with code {process.returncode}; "
                        f"see {stack.log_dir / (service + '.log')}",
                        file=sys.stderr,
                    )
                    return 1
            time.sleep(0.3)
        return 0
    except Exception as exc:  # noqa: BLE001 - report and stop what was started
        print(f"make run failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("stopping…", flush=True)
        if stack is not None:
            stack.stop()
        if nats is not None:
            nats.stop()
        if pg is not None:
            pg.stop()
        _pid_file(data_dir).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
