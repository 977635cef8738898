"""The NATS connection of a service: connects in the background and keeps reconnecting."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from mpflow_platform.events.envelope import STREAM_NAME, SUBJECT_PREFIX

log = logging.getLogger("mpflow.events.bus")


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that a library turned into another error.

    nats-py converts a CancelledError into ConnectionClosedError in some paths; a loop that
    retries "any error" would then never stop. Task.cancelling() still counts the request.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


#: How long the stream keeps messages; an inbox row must outlive any redelivery.
STREAM_MAX_AGE = timedelta(days=30)


def stream_config() -> StreamConfig:
    """The one stream: every `mpflow.>` subject, kept on disk, 2 min duplicate window."""
    return StreamConfig(
        name=STREAM_NAME,
        subjects=[f"{SUBJECT_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=STREAM_MAX_AGE.total_seconds(),
        duplicate_window=120,
    )


async def ensure_stream(js: JetStreamContext) -> None:
    """Create the MPFLOW stream, or leave it as it is when it exists."""
    try:
        await js.stream_info(STREAM_NAME)
    except NotFoundError:
        await js.add_stream(stream_config())


class EventBus:
    """Owns the NATS client; `wait_connected()` lets relays and consumers start when it is up."""

    def __init__(self, url: str, *, name: str) -> None:
        self.url = url
        self.name = name
        self.nc: NatsClient | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def js(self) -> JetStreamContext:
        if self.nc is None:
            raise RuntimeError("NATS is not connected")
        return self.nc.jetstream(timeout=5)

    @property
    def is_connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.name}-nats-connect")

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    self.url,
                    name=self.name,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
                await ensure_stream(self.js)
                self._connected.set()
                log.info("connected to NATS")
                return
            except Exception as exc:  # noqa: BLE001 - any failure means: try again later
                log.warning("NATS not reachable yet: %s", type(exc).__name__)
                if self.nc is not None:
                    with contextlib.suppress(Exception):
                        await self.nc.close()
                    self.nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS error: %s", exc)

    async def _on_disconnected(self) -> None:
        log.warning("disconnected from NATS")

    async def _on_reconnected(self) -> None:
        log.info("reconnected to NATS")

    async def ping(self, timeout: int = 1) -> bool:
        """True when NATS answers a flush within `timeout` seconds."""
        if not self.is_connected or self.nc is None:
            return False
        try:
            await self.nc.flush(timeout=timeout)
        except Exception:  # noqa: BLE001
            return False
        return True

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.close()
