"""The outbox relay: publishes pending outbox rows to JetStream, in order, until NATS takes them.

Rows are claimed under a per-schema advisory lock (replicas of a service take turns, so
order is kept), published with `Nats-Msg-Id` = event id (JetStream drops a duplicate within
its window, and consumers' inboxes drop the rest), and marked sent in the same transaction. A failed
publish leaves the row pending, records the error and backs off; LISTEN/NOTIFY wakes the relay
when a transaction commits new rows, and a poll covers a missed notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from datetime import timedelta

import asyncpg

from mpflow_platform.db import Pool
from mpflow_platform.events.bus import EventBus, ensure_stream, raise_if_cancelling
from mpflow_platform.events.outbox import checked_schema, notify_channel

log = logging.getLogger("mpflow.events.relay")


class OutboxRelay:
    def __init__(
        self,
        pool: Pool,
        bus: EventBus,
        *,
        schema: str,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        max_backoff: float = 5.0,
        keep_sent: timedelta = timedelta(days=7),
        prune_every: float = 3600.0,
    ) -> None:
        self.pool = pool
        self.bus = bus
        self.schema = checked_schema(schema)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.keep_sent = keep_sent
        self.prune_every = prune_every
        self._pruned_at = 0.0
        self._lock_key = int.from_bytes(
            hashlib.sha256(f"mpflow-relay:{self.schema}".encode()).digest()[:8], "big", signed=True
        )
        self._wake = asyncio.Event()
        self._listen_conn: asyncpg.Connection | None = None

    async def run(self) -> None:
        """Relay forever (cancel the task to stop)."""
        await self.bus.wait_connected()
        await self._listen()
        try:
            await self._relay_forever()
        finally:
            await self.close()  # give the LISTEN connection back to the pool

    async def _relay_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                sent = await self.publish_pending()
                backoff = 0.1
                if sent >= self.batch_size:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep relaying whatever went wrong
                raise_if_cancelling()
                log.warning("outbox publish failed, will retry: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            await self._prune_now_and_then()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def _prune_now_and_then(self) -> None:
        now = time.monotonic()
        if now - self._pruned_at < self.prune_every:
            return
        self._pruned_at = now
        try:
            await self.prune()
        except Exception as exc:  # noqa: BLE001 - pruning is housekeeping, never fatal
            raise_if_cancelling()
            log.warning("outbox pruning failed: %s", exc)

    async def prune(self) -> int:
        """Delete rows published more than `keep_sent` ago; pending rows are never touched."""
        status = await self.pool.execute(
            f"DELETE FROM {self.schema}.outbox WHERE sent_at < now() - $1::interval",
            self.keep_sent,
        )
        return int(status.split()[-1])

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows in creation order; returns how many were sent."""
        sent = 0
        error: Exception | None = None
        async with self.pool.acquire() as conn, conn.transaction():
            # One relay of a schema publishes at a time (replicas take turns), so events
            # leave in outbox order even when a service runs several instances.
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", self._lock_key):
                return 0
            rows = await conn.fetch(
                f"SELECT id, subject, payload FROM {self.schema}.outbox "
                "WHERE sent_at IS NULL ORDER BY seq "
                "LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            for row in rows:
                try:
                    await self._publish(row["subject"], row["payload"], str(row["id"]))
                except Exception as exc:  # noqa: BLE001 - recorded on the row, re-raised below
                    await conn.execute(
                        f"UPDATE {self.schema}.outbox SET attempts = attempts + 1, last_error = $2 "
                        "WHERE id = $1",
                        row["id"],
                        f"{type(exc).__name__}: {exc}"[:500],
                    )
                    error = exc
                    break  # keep order: later rows wait for this one
                await conn.execute(
                    f"UPDATE {self.schema}.outbox SET sent_at = now(), attempts = attempts + 1, "
                    "last_error = NULL WHERE id = $1",
                    row["id"],
                )
                sent += 1
        if error is not None:
            raise error
        return sent

    async def _publish(self, subject: str, payload: dict[str, object], msg_id: str) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        js = self.bus.js
        try:
            await js.publish(subject, data, headers={"Nats-Msg-Id": msg_id}, timeout=2)
        except Exception as exc:
            if "no responders" in str(exc).lower() and self.bus.is_connected:
                await ensure_stream(js)  # the stream was deleted or NATS came back empty
            raise

    async def _listen(self) -> None:
        try:
            self._listen_conn = await self.pool.acquire()
            await self._listen_conn.add_listener(notify_channel(self.schema), self._on_notify)
        except Exception as exc:  # noqa: BLE001 - polling still delivers
            log.warning("LISTEN failed, relying on polling: %s", exc)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def close(self) -> None:
        if self._listen_conn is not None:
            with contextlib.suppress(Exception):
                await self._listen_conn.remove_listener(
                    notify_channel(self.schema), self._on_notify
                )
                await self.pool.release(self._listen_conn)
            self._listen_conn = None

    async def pending_count(self) -> int:
        value = await self.pool.fetchval(
            f"SELECT count(*) FROM {self.schema}.outbox WHERE sent_at IS NULL"
        )
        return int(value or 0)
