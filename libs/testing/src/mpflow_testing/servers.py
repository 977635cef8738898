"""Run an ASGI app on a real loopback port in a background thread (uvicorn, own event loop)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from mpflow_devstack.ports import free_port


class AppServer:
    """One uvicorn server in a thread; `start()` waits until the lifespan has completed."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve())
        except BaseException as exc:  # noqa: BLE001 - surfaced by start()
            self.error = exc

    def start(self, timeout: float = 30.0) -> AppServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"app did not start on port {self.port}: {self.error!r}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=15)


@contextmanager
def run_app(app: Any, port: int = 0) -> Iterator[str]:
    """`with run_app(create_app()) as base_url:` serves the app for the block."""
    server = AppServer(app, port).start()
    try:
        yield server.url
    finally:
        server.stop()
