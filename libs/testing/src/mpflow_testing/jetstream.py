"""A JetStream producer and consumer-state reader for tests: publishes envelopes as a
producer's relay does, and waits until a service's durable consumer has handled them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import nats
from nats.js.errors import NotFoundError

from mpflow_platform.events import Envelope
from mpflow_platform.events.bus import ensure_stream
from mpflow_platform.events.envelope import STREAM_NAME
from mpflow_testing.waiting import wait_until


@dataclass
class JetStream:
    url: str
    #: The durable consumer `acked_up_to` and `wait_handled` read by default (a service name).
    consumer: str

    def publish(self, event: Envelope, *, msg_id: str | None = None) -> tuple[int, bool]:
        """Publish `event` on its subject with `Nats-Msg-Id` (default: the event id).

        Returns the stream sequence and whether JetStream dropped it as a duplicate.
        """

        async def _publish() -> tuple[int, bool]:
            nc = await nats.connect(self.url)
            try:
                js = nc.jetstream()
                await ensure_stream(js)
                ack = await js.publish(
                    event.subject,
                    event.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": msg_id or str(event.id)},
                )
            finally:
                await nc.close()
            return ack.seq, bool(ack.duplicate)

        return asyncio.run(_publish())

    def last_seq(self) -> int:
        """The stream's last sequence (0 when empty or absent)."""

        async def _last() -> int:
            nc = await nats.connect(self.url)
            try:
                info = await nc.jetstream().stream_info(STREAM_NAME)
            except NotFoundError:
                return 0
            finally:
                await nc.close()
            return int(info.state.last_seq)

        return asyncio.run(_last())

    def acked_up_to(self, consumer: str | None = None) -> int:
        """The stream sequence up to which `consumer` has acked everything (0 when unbound)."""

        async def _floor() -> int:
            nc = await nats.connect(self.url)
            try:
                info = await nc.jetstream().consumer_info(STREAM_NAME, consumer or self.consumer)
            except NotFoundError:
                return 0
            finally:
                await nc.close()
            return info.ack_floor.stream_seq if info.ack_floor else 0

        return asyncio.run(_floor())

    def wait_handled(self, seq: int, consumer: str | None = None) -> None:
        """Wait until `consumer` has handled (and acked) every message up to `seq`."""
        wait_until(lambda: self.acked_up_to(consumer) >= seq)
