"""The consumer loop: durable pull consumer, inbox for idempotency, nak with back-off, dead letters.

For every message: parse the envelope; in one transaction (tenant set for RLS) insert the
event id into `<schema>.inbox` and, only if it was not there yet, run the handler; commit;
then ack. A failure is never acked: it is nak'ed with a growing delay, and after
`max_deliver` attempts the message is copied to `mpflow.deadletter.<consumer>` (kept in the
stream for inspection and replay) and terminated.

Batch handlers (`BatchHandler`): consecutive messages of a fetched batch whose subject has a
batch handler (up to its `max_batch`) are handled in ONE transaction: their inbox rows in one
statement, then the handler once per tenant (ascending user id, the tenant set for RLS before
each call) with the events not handled before, in delivery order; one commit, then every
message is acked. If that transaction fails, the same messages are handled one by one by the
per-message path above (the batch handler called with one event), so a poison message only
fails itself: it is nak'ed and dead-lettered as usual, the others commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from mpflow_platform.db import Connection, Pool, set_tenant, transaction
from mpflow_platform.events.bus import (
    STREAM_MAX_AGE,
    EventBus,
    ensure_stream,
    raise_if_cancelling,
)
from mpflow_platform.events.envelope import STREAM_NAME, SUBJECT_PREFIX, Envelope
from mpflow_platform.events.outbox import checked_schema
from mpflow_platform.logging import request_id_var

log = logging.getLogger("mpflow.events.consumer")

#: A handler of one event (in the transaction that also writes its inbox row).
EventHandler = Callable[[Connection, Envelope], Awaitable[None]]
DEFAULT_BACKOFF = (0.5, 2.0, 5.0, 15.0)


@dataclass(frozen=True)
class BatchHandler:
    """A handler of many events of one subject in one transaction (see the module docstring).

    `handle(tx, events)` gets events of ONE tenant (the transaction's tenant is set to it),
    in delivery order, none handled before. Its effect must be that of handling them one
    after another: the loop calls it with a single event when it falls back to one by one.
    """

    handle: Callable[[Connection, list[Envelope]], Awaitable[None]]
    max_batch: int = 100

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ValueError("max_batch must be >= 1")


#: What a handler table (subject -> handler) holds.
Handler = EventHandler | BatchHandler


def dead_letter_subject(consumer: str) -> str:
    return f"{SUBJECT_PREFIX}.deadletter.{consumer}"


class EventConsumer:
    def __init__(
        self,
        pool: Pool,
        bus: EventBus,
        *,
        schema: str,
        name: str,
        handlers: Mapping[str, Handler],
        max_deliver: int = 5,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        batch_size: int = 20,
        ack_wait: float = 30.0,
    ) -> None:
        if not handlers:
            raise ValueError("a consumer needs at least one handler")
        self.pool = pool
        self.bus = bus
        self.schema = checked_schema(schema)
        self.name = name
        self.handlers = dict(handlers)
        self.max_deliver = max_deliver
        self.backoff = tuple(backoff)
        # Fetch enough at once to fill the largest batch handler's transactions.
        batches = [h.max_batch for h in self.handlers.values() if isinstance(h, BatchHandler)]
        self.batch_size = max([batch_size, *batches])
        self.ack_wait = ack_wait
        self._pruned_at = 0.0

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            name=self.name,
            durable_name=self.name,
            filter_subjects=sorted(self.handlers),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            # The server never gives up on its own: a message whose last allowed delivery
            # crashed or timed out comes back once more and is dead-lettered by us, so no
            # message can vanish without a dead letter (see _on_failure).
            max_deliver=-1,
            ack_wait=self.ack_wait,
            max_ack_pending=1000,
        )

    async def prune_inbox(self, keep: timedelta = STREAM_MAX_AGE + timedelta(days=5)) -> int:
        """Forget handled event ids older than `keep`: longer than the stream keeps messages,
        so a redelivery always still finds its row."""
        status = await self.pool.execute(
            f"DELETE FROM {self.schema}.inbox "
            "WHERE consumer = $1 AND handled_at < now() - $2::interval",
            self.name,
            keep,
        )
        return int(status.split()[-1])

    async def run(self) -> None:
        """Consume forever (cancel the task to stop); re-binds after NATS loses its state."""
        await self.bus.wait_connected()
        while True:
            try:
                js = self.bus.js
                await ensure_stream(js)
                await js.add_consumer(STREAM_NAME, self.consumer_config())
                sub = await js.pull_subscribe_bind(durable=self.name, stream=STREAM_NAME)
                await self._fetch_loop(sub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - wait for NATS and bind again
                raise_if_cancelling()
                log.warning("consumer %s interrupted: %s", self.name, exc)
                await asyncio.sleep(1.0)

    async def _fetch_loop(self, sub: object) -> None:
        fetch = sub.fetch  # type: ignore[attr-defined]
        errors = 0
        while True:
            try:
                msgs: list[Msg] = await fetch(self.batch_size, timeout=1.0)
            except (NatsTimeoutError, TimeoutError):
                raise_if_cancelling()
                errors = 0
                await self._prune_now_and_then()
                continue
            except Exception:
                raise_if_cancelling()
                errors += 1
                if errors >= 5:
                    raise  # bind again: the consumer may be gone
                await asyncio.sleep(0.5)
                continue
            errors = 0
            await self.handle_many(msgs)

    async def handle_many(self, msgs: Sequence[Msg]) -> None:
        """Handle fetched messages in order: runs of consecutive messages of one batch
        handler's subject together (`handle_batch`), every other message by `handle`."""
        run: list[Msg] = []
        for msg in msgs:
            handler = self.handlers.get(msg.subject)
            if isinstance(handler, BatchHandler):
                if run and run[0].subject == msg.subject and len(run) < handler.max_batch:
                    run.append(msg)
                    continue
                if run:
                    await self.handle_batch(run)
                run = [msg]
                continue
            if run:
                await self.handle_batch(run)
                run = []
            await self.handle(msg)
        if run:
            await self.handle_batch(run)

    async def handle_batch(self, msgs: Sequence[Msg]) -> None:
        """Messages of one batch handler's subject in one transaction; ack all after commit.
        On failure, fall back to `handle` for each, so only a failing message is retried."""
        if len(msgs) == 1:
            await self.handle(msgs[0])
            return
        handler = self.handlers[msgs[0].subject]
        assert isinstance(handler, BatchHandler)
        parsed: list[tuple[Msg, Envelope]] = []
        for msg in msgs:
            try:
                parsed.append((msg, Envelope.model_validate_json(msg.data)))
            except ValidationError as exc:
                await self._dead_letter(msg, f"invalid envelope: {exc.error_count()} error(s)")
        if not parsed:
            return
        unique: dict[UUID, Envelope] = {}
        for _, event in parsed:
            unique.setdefault(event.id, event)
        try:
            async with transaction(self.pool) as tx:
                rows = await tx.fetch(
                    f"INSERT INTO {self.schema}.inbox (consumer, event_id, subject, user_id) "
                    "SELECT $1, e.id, $2, e.user_id "
                    "FROM unnest($3::uuid[], $4::uuid[]) WITH ORDINALITY AS e(id, user_id, n) "
                    "ORDER BY e.n ON CONFLICT DO NOTHING RETURNING event_id",
                    self.name,
                    msgs[0].subject,
                    list(unique),
                    [e.user_id for e in unique.values()],
                )
                new = {r["event_id"] for r in rows}
                by_tenant: dict[UUID | None, list[Envelope]] = {}
                for event in unique.values():
                    if event.id in new:
                        by_tenant.setdefault(event.user_id, []).append(event)
                # No tenant first (nothing set yet), then ascending: one global lock order.
                for user_id in sorted(by_tenant, key=lambda u: (u is not None, u.int if u else 0)):
                    if user_id is not None:
                        await set_tenant(tx, user_id)
                    await handler.handle(tx, by_tenant[user_id])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - nothing committed: one by one instead
            raise_if_cancelling()
            log.warning(
                "batch failed, handling its messages one by one",
                extra={
                    "consumer": self.name,
                    "subject": msgs[0].subject,
                    "messages": len(msgs),
                    "error": f"{type(exc).__name__}: {exc}"[:300],
                },
            )
            for msg, _ in parsed:
                await self.handle(msg)
            return
        for msg, event in parsed:
            try:
                await msg.ack()
            except Exception as exc:  # noqa: BLE001 - committed: a redelivery finds the inbox row
                raise_if_cancelling()
                await self._on_failure(msg, event, exc)
        log.info(
            "event batch handled",
            extra={
                "consumer": self.name,
                "subject": msgs[0].subject,
                "messages": len(parsed),
                "handled": len(new),
            },
        )

    async def _prune_now_and_then(self) -> None:
        """Inbox housekeeping at most hourly, while the consumer is idle."""
        now = time.monotonic()
        if now - self._pruned_at < 3600:
            return
        self._pruned_at = now
        try:
            await self.prune_inbox()
        except Exception as exc:  # noqa: BLE001 - housekeeping, never fatal
            raise_if_cancelling()
            log.warning("inbox pruning failed: %s", exc)

    async def handle(self, msg: Msg) -> None:
        """Handle one delivery: effect once, ack after commit, nak or dead-letter on failure."""
        try:
            event = Envelope.model_validate_json(msg.data)
        except ValidationError as exc:
            await self._dead_letter(msg, f"invalid envelope: {exc.error_count()} error(s)")
            return
        handler = self.handlers.get(msg.subject)
        if handler is None:
            await msg.ack()  # not ours (a filter widened elsewhere); nothing to do
            return
        token = request_id_var.set(event.correlation_id)
        try:
            async with transaction(self.pool, user_id=event.user_id) as tx:
                first_time = await tx.fetchval(
                    f"INSERT INTO {self.schema}.inbox (consumer, event_id, subject, user_id) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
                    self.name,
                    event.id,
                    msg.subject,
                    event.user_id,
                )
                if first_time:
                    if isinstance(handler, BatchHandler):
                        await handler.handle(tx, [event])
                    else:
                        await handler(tx, event)
            await msg.ack()
            log.info(
                "event handled" if first_time else "event already handled",
                extra={"consumer": self.name, "subject": msg.subject, "event_id": str(event.id)},
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - never ack a failure
            raise_if_cancelling()
            await self._on_failure(msg, event, exc)
        finally:
            request_id_var.reset(token)

    async def _on_failure(self, msg: Msg, event: Envelope, exc: Exception) -> None:
        delivered = msg.metadata.num_delivered or 1
        log.warning(
            "handler failed",
            extra={
                "consumer": self.name,
                "event_id": str(event.id),
                "subject": msg.subject,
                "delivery": delivered,
                "error": f"{type(exc).__name__}: {exc}"[:300],
            },
        )
        if delivered >= self.max_deliver:
            await self._dead_letter(msg, f"{type(exc).__name__}: {exc}")
            return
        delay = self.backoff[min(delivered - 1, len(self.backoff) - 1)]
        with contextlib.suppress(Exception):
            await msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        headers = {
            "Mpflow-Original-Subject": msg.subject,
            "Mpflow-Consumer": self.name,
            "Mpflow-Error": reason[:500],
        }
        try:
            meta = msg.metadata
            headers["Mpflow-Stream-Seq"] = str(meta.sequence.stream)
            headers["Nats-Msg-Id"] = f"dlq-{self.name}-{meta.sequence.stream}"
            await self.bus.js.publish(
                dead_letter_subject(self.name), msg.data, headers=headers, timeout=2
            )
        except Exception as exc:  # noqa: BLE001 - keep it for a later delivery instead
            log.error("dead-letter publish failed: %s", exc)
            with contextlib.suppress(Exception):
                await msg.nak(delay=self.backoff[-1])
            return
        log.error("event dead-lettered", extra={"consumer": self.name, "reason": reason[:300]})
        await msg.term()
