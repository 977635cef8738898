"""Outbox, relay and consumer against real PostgreSQL and NATS JetStream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID, uuid4

import asyncpg
import nats
import pytest

from mpflow_devstack.nats import EmbeddedNats
from mpflow_platform.db import Connection, Pool, create_pool, transaction
from mpflow_platform.events import Envelope, new_event, outbox
from mpflow_platform.events.bus import EventBus
from mpflow_platform.events.consumer import EventConsumer, dead_letter_subject
from mpflow_platform.events.relay import OutboxRelay
from mpflow_platform.settings import find_migrations_dir

SCHEMA = "evtest"
SUBJECT = "mpflow.test.thing.happened"


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    ddl = (find_migrations_dir() / "catalog" / "0001_create_outbox_inbox.sql").read_text()
    conn = await asyncpg.connect(database_url)
    await conn.execute(f"CREATE SCHEMA {SCHEMA};" + ddl.replace("catalog.", f"{SCHEMA}."))
    await conn.execute(f"CREATE TABLE {SCHEMA}.effects (event_id uuid, user_id uuid)")
    await conn.close()
    p = await create_pool(database_url, application_name="events-test")
    yield p
    await p.close()


@contextlib.asynccontextmanager
async def running(*coros: Awaitable[None]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coros]  # type: ignore[arg-type]
    try:
        yield
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t


@contextlib.asynccontextmanager
async def connected_bus(url: str) -> AsyncIterator[EventBus]:
    bus = EventBus(url, name="events-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    try:
        yield bus
    finally:
        await bus.close()


def make_event(user_id: UUID | None = None) -> Envelope:
    return new_event("test.thing.happened", {"n": 1}, user_id=user_id or uuid4(), source="test")


async def write_events(pool: Pool, events: list[Envelope]) -> None:
    async with transaction(pool) as tx:
        for e in events:
            await outbox.add(tx, schema=SCHEMA, event=e)


async def effect_count(pool: Pool) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.effects"))


async def record_effect(tx: Connection, event: Envelope) -> None:
    await tx.execute(f"INSERT INTO {SCHEMA}.effects VALUES ($1, $2)", event.id, event.user_id)


async def stream_messages(url: str, subject: str) -> list[nats.aio.msg.Msg]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(subject, ordered_consumer=True)
        msgs = []
        with contextlib.suppress(asyncio.TimeoutError, nats.errors.TimeoutError):
            while True:
                msgs.append(await sub.next_msg(timeout=0.5))
        await sub.unsubscribe()
        return msgs
    finally:
        await nc.close()


async def test_relay_publishes_committed_events_with_their_id_as_msg_id(
    pool: Pool, nats_url: str
) -> None:
    events = [make_event() for _ in range(3)]
    await write_events(pool, events)

    async with connected_bus(nats_url) as bus:
        sent = await OutboxRelay(pool, bus, schema=SCHEMA).publish_pending()

    assert sent == 3
    msgs = await stream_messages(nats_url, SUBJECT)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [str(e.id) for e in events]  # type: ignore[index]
    assert [Envelope.model_validate_json(m.data) for m in msgs] == events
    assert await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.outbox WHERE sent_at IS NULL") == 0


async def test_a_rolled_back_transaction_publishes_nothing(pool: Pool, nats_url: str) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(pool) as tx:
            await outbox.add(tx, schema=SCHEMA, event=make_event())
            raise RuntimeError("business rule failed")

    async with connected_bus(nats_url) as bus:
        sent = await OutboxRelay(pool, bus, schema=SCHEMA).publish_pending()

    assert sent == 0


async def test_relay_wakes_on_commit_without_waiting_for_its_poll(
    pool: Pool, nats_url: str
) -> None:
    async with connected_bus(nats_url) as bus:
        relay = OutboxRelay(pool, bus, schema=SCHEMA, poll_interval=60)
        async with running(relay.run()):
            await asyncio.sleep(0.3)  # the relay is now waiting on LISTEN
            await write_events(pool, [make_event()])

            await eventually(lambda: _all_sent(pool), timeout=5)


async def _all_sent(pool: Pool) -> bool:
    return bool(
        await pool.fetchval(f"SELECT count(*) = 0 FROM {SCHEMA}.outbox WHERE sent_at IS NULL")
    )


async def test_the_same_event_published_twice_has_one_effect(pool: Pool, nats_url: str) -> None:
    event = make_event()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    async with connected_bus(nats_url) as bus:
        consumer = EventConsumer(
            pool, bus, schema=SCHEMA, name="tester", handlers={SUBJECT: record_effect}
        )
        async with running(consumer.run()):
            # Same Nats-Msg-Id (deduplicated by JetStream) and a different one (as after the
            # duplicate window, or a second relay): the inbox must absorb both.
            for msg_id in (str(event.id), str(event.id), "replayed-later"):
                await js.publish(
                    SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id}
                )

            await eventually(lambda: _inbox_has(pool, event.id))
            await asyncio.sleep(1.0)  # give the second delivery every chance to act

    await nc.close()
    assert await effect_count(pool) == 1


async def _inbox_has(pool: Pool, event_id: UUID) -> bool:
    return bool(
        await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.inbox WHERE event_id = $1", event_id)
    )


async def test_a_failing_handler_is_retried_and_its_effect_happens_once(
    pool: Pool, nats_url: str
) -> None:
    failures = {"left": 2}

    async def flaky(tx: Connection, event: Envelope) -> None:
        await record_effect(tx, event)  # rolled back with the failure
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("database hiccup")

    await write_events(pool, [make_event()])
    async with connected_bus(nats_url) as bus:
        consumer = EventConsumer(
            pool, bus, schema=SCHEMA, name="tester", handlers={SUBJECT: flaky}, backoff=(0.1, 0.2)
        )
        async with running(OutboxRelay(pool, bus, schema=SCHEMA).run(), consumer.run()):
            await eventually(lambda: _effects_at_least(pool, 1))
            await asyncio.sleep(0.5)

    assert failures["left"] == 0
    assert await effect_count(pool) == 1


async def _effects_at_least(pool: Pool, n: int) -> bool:
    return await effect_count(pool) >= n


async def test_a_poison_event_goes_to_the_dead_letter_subject_after_max_deliver(
    pool: Pool, nats_url: str
) -> None:
    attempts: list[int] = []

    async def broken(tx: Connection, event: Envelope) -> None:
        attempts.append(1)
        raise ValueError("cannot handle this payload")

    event = make_event()
    await write_events(pool, [event])
    async with connected_bus(nats_url) as bus:
        consumer = EventConsumer(
            pool,
            bus,
            schema=SCHEMA,
            name="tester",
            handlers={SUBJECT: broken},
            max_deliver=3,
            backoff=(0.1,),
        )
        async with running(OutboxRelay(pool, bus, schema=SCHEMA).run(), consumer.run()):
            await eventually(lambda: _has_messages(nats_url, dead_letter_subject("tester")))
            await asyncio.sleep(0.5)

    assert len(attempts) == 3
    [dead] = await stream_messages(nats_url, dead_letter_subject("tester"))
    assert Envelope.model_validate_json(dead.data).id == event.id
    assert dead.headers["Mpflow-Original-Subject"] == SUBJECT  # type: ignore[index]
    assert "cannot handle this payload" in dead.headers["Mpflow-Error"]  # type: ignore[index]
    assert await effect_count(pool) == 0


async def _has_messages(url: str, subject: str) -> bool:
    return bool(await stream_messages(url, subject))


async def test_events_written_while_nats_is_down_are_published_when_it_returns(
    pool: Pool, nats_server: EmbeddedNats
) -> None:
    async with connected_bus(nats_server.url) as bus:
        relay = OutboxRelay(pool, bus, schema=SCHEMA, poll_interval=0.2)
        async with running(relay.run()):
            await write_events(pool, [make_event()])
            await eventually(lambda: _all_sent(pool))
            nats_server.kill()

            down = [make_event() for _ in range(10)]
            for e in down:
                await write_events(pool, [e])
            await asyncio.sleep(3)
            assert await relay.pending_count() == 10

            nats_server.start()  # same port, same JetStream store
            await eventually(lambda: _all_sent(pool), timeout=30)

    msgs = await stream_messages(nats_server.url, SUBJECT)
    assert len(msgs) == 11
    assert [Envelope.model_validate_json(m.data).id for m in msgs[1:]] == [e.id for e in down]


async def test_invalid_envelope_is_dead_lettered_without_running_the_handler(
    pool: Pool, nats_url: str
) -> None:
    nc = await nats.connect(nats_url)
    async with connected_bus(nats_url) as bus:
        consumer = EventConsumer(
            pool, bus, schema=SCHEMA, name="tester", handlers={SUBJECT: record_effect}
        )
        async with running(consumer.run()):
            await asyncio.sleep(0.3)
            await nc.jetstream().publish(SUBJECT, b'{"not": "an envelope"}')
            await eventually(lambda: _has_messages(nats_url, dead_letter_subject("tester")))
    await nc.close()
    assert await effect_count(pool) == 0


async def test_two_relays_of_one_schema_keep_the_outbox_order(pool: Pool, nats_url: str) -> None:
    events = [make_event() for _ in range(300)]
    await write_events(pool, events)

    async with connected_bus(nats_url) as bus:
        relays = [OutboxRelay(pool, bus, schema=SCHEMA, batch_size=7) for _ in range(2)]
        async with running(*(r.run() for r in relays)):
            await eventually(lambda: _all_sent(pool), timeout=30)

    msgs = await stream_messages(nats_url, SUBJECT)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [str(e.id) for e in events]  # type: ignore[index]


async def test_a_consumer_stops_when_cancelled_even_while_nats_is_gone(
    pool: Pool, nats_server: EmbeddedNats
) -> None:
    async with connected_bus(nats_server.url) as bus:
        consumer = EventConsumer(
            pool, bus, schema=SCHEMA, name="tester", handlers={SUBJECT: record_effect}
        )
        task = asyncio.create_task(consumer.run())
        await asyncio.sleep(0.5)
        nats_server.kill()
        await asyncio.sleep(1.0)  # the fetch loop is now failing and retrying

        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5)

    assert task in done


async def test_pruning_drops_old_sent_outbox_rows_but_never_pending_ones(
    pool: Pool, nats_url: str
) -> None:
    old_sent, old_pending, recent_sent = make_event(), make_event(), make_event()
    await write_events(pool, [old_sent, old_pending, recent_sent])
    await pool.execute(
        f"UPDATE {SCHEMA}.outbox SET created_at = now() - interval '30 days', "
        "sent_at = CASE WHEN id = $1 THEN now() - interval '8 days' END "
        "WHERE id = ANY($2::uuid[])",
        old_sent.id,
        [old_sent.id, old_pending.id],
    )
    await pool.execute(f"UPDATE {SCHEMA}.outbox SET sent_at = now() WHERE id = $1", recent_sent.id)

    async with connected_bus(nats_url) as bus:
        deleted = await OutboxRelay(pool, bus, schema=SCHEMA).prune()

    left = {r["id"] for r in await pool.fetch(f"SELECT id FROM {SCHEMA}.outbox")}
    assert deleted == 1
    assert left == {old_pending.id, recent_sent.id}


async def test_inbox_pruning_keeps_ids_younger_than_the_stream_retention(
    pool: Pool, nats_url: str
) -> None:
    for age_days, event_id in ((40, uuid4()), (20, uuid4())):
        await pool.execute(
            f"INSERT INTO {SCHEMA}.inbox (consumer, event_id, subject, handled_at) "
            f"VALUES ('tester', $1, $2, now() - make_interval(days => $3))",
            event_id,
            SUBJECT,
            age_days,
        )
    await pool.execute(
        f"INSERT INTO {SCHEMA}.inbox (consumer, event_id, subject, handled_at) "
        "VALUES ('someone-else', $1, $2, now() - interval '90 days')",
        uuid4(),
        SUBJECT,
    )

    async with connected_bus(nats_url) as bus:
        consumer = EventConsumer(
            pool, bus, schema=SCHEMA, name="tester", handlers={SUBJECT: record_effect}
        )
        deleted = await consumer.prune_inbox()

    rows = await pool.fetch(f"SELECT consumer FROM {SCHEMA}.inbox ORDER BY consumer")
    assert deleted == 1
    assert [r["consumer"] for r in rows] == ["someone-else", "tester"]
