"""All six services as processes on loopback: the shape `make run` starts, and the e2e tests.

Each service is `uvicorn <service>.main:create_app --factory`, with the environment that
compose.yaml gives it in production (shared DATABASE_URL, NATS_URL, GATEWAY_SIGNING_KEY,
and the gateway's upstream URLs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: Start order: the gateway last, so its /ready finds the others.
SERVICES: dict[str, int] = {
    "auth": 8001,
    "catalog": 8002,
    "inventory": 8003,
    "finance": 8004,
    "ozon": 8005,
    "gateway": 8000,
}


def _get_status(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


@dataclass
class Stack:
    """The services of one deployment; `ports` maps service -> port on 127.0.0.1."""

    database_url: str
    nats_url: str
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def service_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "NATS_URL": self.nats_url,
                # Migrations were applied once by the launcher; each service would also cope.
                "APPLY_MIGRATIONS": env.get("APPLY_MIGRATIONS", "true"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for service in SERVICES:
            if service != "gateway":
                env[f"GATEWAY_{service.upper()}_URL"] = self.url(service)
        return env

    def start_service(self, service: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{service}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[service] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"{service}.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[service]),
                "--no-access-log",
            ],
            env=self.service_env(),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def start(self, timeout: float = 60.0) -> None:
        """Start every service and wait until each answers /health and the gateway /ready."""
        for service in SERVICES:
            self.start_service(service)
        deadline = time.monotonic() + timeout
        for service in SERVICES:
            self.wait_healthy(service, deadline)
        while _get_status(self.url() + "/ready") != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the gateway is not ready; see logs in {self.log_dir}")
            time.sleep(0.1)

    def wait_healthy(self, service: str, deadline: float) -> None:
        while _get_status(self.url(service) + "/health") != 200:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with code {process.returncode}; "
                    f"see {self.log_dir / (service + '.log')}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} did not become healthy; see {self.log_dir}")
            time.sleep(0.1)

    def stop_service(self, service: str) -> None:
        process = self.processes.pop(service, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for service in list(self.processes):
            self.stop_service(service)

    def log(self, service: str) -> str:
        path = self.log_dir / f"{service}.log"
        return path.read_text(errors="replace") if path.exists() else ""
