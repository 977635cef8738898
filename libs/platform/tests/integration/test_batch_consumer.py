"""Batch handlers of the consumer loop (`BatchHandler`): many messages in one transaction, the
inbox filtering duplicates, one handler call per tenant with the tenant set, acks only after
the commit, and a failing batch falling back to one by one so only the failing message is
retried and dead-lettered. Against real PostgreSQL; the last test also through JetStream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import nats
import pytest

from mpflow_platform.db import Connection, Pool, create_pool
from mpflow_platform.events import Envelope, new_event
from mpflow_platform.events.bus import EventBus, ensure_stream
from mpflow_platform.events.consumer import BatchHandler, EventConsumer, dead_letter_subject
from mpflow_platform.settings import find_migrations_dir

SCHEMA = "batchtest"
SUBJECT = "mpflow.test.batch.happened"
OTHER = "mpflow.test.single.happened"


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[Pool]:
    ddl = (find_migrations_dir() / "catalog" / "0001_create_outbox_inbox.sql").read_text()
    conn = await asyncpg.connect(database_url)
    await conn.execute(f"CREATE SCHEMA {SCHEMA};" + ddl.replace("catalog.", f"{SCHEMA}."))
    await conn.execute(f"CREATE TABLE {SCHEMA}.effects (event_id uuid, user_id uuid)")
    await conn.close()
    p = await create_pool(database_url, application_name="batch-test")
    yield p
    await p.close()


def make_event(user_id: UUID | None = None, **data: Any) -> Envelope:
    return new_event("test.batch.happened", data, user_id=user_id or uuid4(), source="test")


async def effects(pool: Pool) -> list[UUID]:
    rows = await pool.fetch(f"SELECT event_id FROM {SCHEMA}.effects")
    return [r["event_id"] for r in rows]


@dataclass
class FakeMsg:
    """What the loop uses of a JetStream message; records what it was answered."""

    data: bytes
    subject: str = SUBJECT
    delivered: int = 1
    pool: Pool | None = None
    answers: list[str] = field(default_factory=list)
    committed_at_ack: list[UUID] = field(default_factory=list)

    @property
    def metadata(self) -> Any:
        seq = type("Seq", (), {"stream": 1})()
        return type("Meta", (), {"num_delivered": self.delivered, "sequence": seq})()

    async def ack(self) -> None:
        if self.pool is not None:  # what another connection sees: committed effects only
            self.committed_at_ack.extend(await effects(self.pool))
        self.answers.append("ack")

    async def nak(self, delay: float | None = None) -> None:
        self.answers.append("nak")

    async def term(self) -> None:
        self.answers.append("term")


def msg(event: Envelope, **kw: Any) -> FakeMsg:
    return FakeMsg(event.model_dump_json().encode(), **kw)


class FakeBus:
    """Only the dead-letter publish of the loop needs the bus."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, dict[str, str]]] = []
        self.js = self

    async def publish(
        self, subject: str, data: bytes, headers: dict[str, str], timeout: float
    ) -> None:
        self.published.append((subject, data, headers))


@dataclass
class Recorder:
    """A batch handler writing one effect per event; it can refuse events marked poison."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, tx: Connection, events: list[Envelope]) -> None:
        self.calls.append(
            {
                "events": [e.id for e in events],
                "tenants": {e.user_id for e in events},
                "tenant_set": await tx.fetchval("SELECT current_setting('app.user_id', true)"),
                "xid": await tx.fetchval("SELECT txid_current()"),
            }
        )
        for e in events:
            await tx.execute(f"INSERT INTO {SCHEMA}.effects VALUES ($1, $2)", e.id, e.user_id)
        if any(e.data.get("poison") for e in events):
            raise ValueError("cannot handle this payload")


def consumer(pool: Pool, recorder: Recorder, **kw: Any) -> EventConsumer:
    return EventConsumer(
        pool,
        FakeBus(),  # type: ignore[arg-type]
        schema=SCHEMA,
        name="tester",
        handlers={SUBJECT: BatchHandler(recorder, max_batch=50), OTHER: kw.pop("other", recorder)},
        **kw,
    )


async def test_a_batch_commits_once_and_acks_every_message_after_the_commit(pool: Pool) -> None:
    tenant = uuid4()
    events = [make_event(tenant, n=i) for i in range(10)]
    msgs = [msg(e, pool=pool) for e in events]
    recorder = Recorder()

    await consumer(pool, recorder).handle_many(msgs)  # type: ignore[arg-type]

    [call] = recorder.calls
    assert call["events"] == [e.id for e in events]  # delivery order
    assert call["tenant_set"] == str(tenant)
    assert sorted(map(str, await effects(pool))) == sorted(str(e.id) for e in events)
    for m in msgs:
        assert m.answers == ["ack"]
        assert len(m.committed_at_ack) == 10  # acked only once everything was committed
    inbox = await pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.inbox WHERE consumer = 'tester'")
    assert inbox == 10


async def test_duplicates_and_events_handled_before_are_filtered_and_acked(pool: Pool) -> None:
    tenant = uuid4()
    old, new = make_event(tenant), make_event(tenant)
    await pool.execute(
        f"INSERT INTO {SCHEMA}.inbox (consumer, event_id, subject) VALUES ('tester', $1, $2)",
        old.id,
        SUBJECT,
    )
    msgs = [msg(old), msg(new), msg(new)]  # `new` redelivered within the same fetch
    recorder = Recorder()

    await consumer(pool, recorder).handle_many(msgs)  # type: ignore[arg-type]

    assert [c["events"] for c in recorder.calls] == [[new.id]]
    assert await effects(pool) == [new.id]
    assert [m.answers for m in msgs] == [["ack"]] * 3


async def test_each_tenant_gets_its_own_call_with_its_tenant_set_in_one_transaction(
    pool: Pool,
) -> None:
    a, b = sorted([uuid4(), uuid4()], key=lambda u: u.int)
    events = [make_event(b), make_event(a), make_event(b), make_event(a), make_event(b)]
    recorder = Recorder()

    await consumer(pool, recorder).handle_many([msg(e) for e in events])  # type: ignore[arg-type]

    assert [c["tenant_set"] for c in recorder.calls] == [str(a), str(b)]  # ascending
    assert [c["tenants"] for c in recorder.calls] == [{a}, {b}]
    assert recorder.calls[0]["events"] == [events[1].id, events[3].id]  # order kept per tenant
    assert recorder.calls[1]["events"] == [events[0].id, events[2].id, events[4].id]
    assert recorder.calls[0]["xid"] == recorder.calls[1]["xid"]  # one transaction


async def test_runs_of_a_batch_subject_keep_their_place_among_other_messages(pool: Pool) -> None:
    order: list[str] = []
    tenant = uuid4()

    async def single(tx: Connection, event: Envelope) -> None:
        order.append(f"single {event.data['n']}")

    async def batch(tx: Connection, events: list[Envelope]) -> None:
        order.append("batch " + ",".join(str(e.data["n"]) for e in events))

    c = EventConsumer(
        pool,
        FakeBus(),  # type: ignore[arg-type]
        schema=SCHEMA,
        name="tester",
        handlers={SUBJECT: BatchHandler(batch, max_batch=2), OTHER: single},
    )
    subjects = [SUBJECT, SUBJECT, SUBJECT, OTHER, SUBJECT, SUBJECT, OTHER]
    msgs = [msg(make_event(tenant, n=i), subject=s) for i, s in enumerate(subjects)]

    await c.handle_many(msgs)  # type: ignore[arg-type]

    assert order == ["batch 0,1", "batch 2", "single 3", "batch 4,5", "single 6"]
    assert all(m.answers == ["ack"] for m in msgs)


async def test_a_failing_event_falls_back_to_one_by_one_and_only_it_is_retried(
    pool: Pool,
) -> None:
    tenant = uuid4()
    events = [make_event(tenant, n=i, poison=i == 2) for i in range(5)]
    msgs = [msg(e) for e in events]
    recorder = Recorder()

    await consumer(pool, recorder, max_deliver=5).handle_many(msgs)  # type: ignore[arg-type]

    # The batch call failed (rolled back); then each alone, the poison one failing again.
    assert recorder.calls[0]["events"] == [e.id for e in events]
    assert [c["events"] for c in recorder.calls[1:]] == [[e.id] for e in events]
    assert sorted(map(str, await effects(pool))) == sorted(
        str(e.id) for i, e in enumerate(events) if i != 2
    )
    assert [m.answers for m in msgs] == [["ack"], ["ack"], ["nak"], ["ack"], ["ack"]]
    handled = await pool.fetch(f"SELECT event_id FROM {SCHEMA}.inbox")
    assert events[2].id not in {r["event_id"] for r in handled}  # retried later

    # Its last allowed delivery: dead-lettered, the others are not touched again.
    c = consumer(pool, Recorder(), max_deliver=5)
    await c.handle_many([msg(events[2], delivered=5), msg(events[3], delivered=2)])  # type: ignore[list-item]
    bus = c.bus
    [(subject, data, headers)] = bus.published  # type: ignore[attr-defined]
    assert subject == dead_letter_subject("tester")
    assert Envelope.model_validate_json(data).id == events[2].id
    assert "cannot handle this payload" in headers["Mpflow-Error"]
    assert len(await effects(pool)) == 4


async def test_batches_through_jetstream_with_a_poison_message(pool: Pool, nats_url: str) -> None:
    tenants = [uuid4(), uuid4()]
    events = [make_event(tenants[i % 2], n=i, poison=i == 7) for i in range(40)]
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_stream(js)
    for e in events:
        await js.publish(SUBJECT, e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.id)})
    recorder = Recorder()
    bus = EventBus(nats_url, name="batch-test")
    bus.start()
    await asyncio.wait_for(bus.wait_connected(), 10)
    c = EventConsumer(
        pool,
        bus,
        schema=SCHEMA,
        name="tester",
        handlers={SUBJECT: BatchHandler(recorder, max_batch=50)},
        max_deliver=2,
        backoff=(0.1,),
    )
    dead: list[nats.aio.msg.Msg] = []

    async def on_dead(m: nats.aio.msg.Msg) -> None:
        dead.append(m)

    sub = await nc.subscribe(dead_letter_subject("tester"), cb=on_dead)
    task = asyncio.create_task(c.run())
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not dead or len(await effects(pool)) < 39:
            assert asyncio.get_running_loop().time() < deadline, "not handled in time"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await sub.unsubscribe()
        await nc.close()
        await bus.close()

    done = await effects(pool)
    assert sorted(map(str, done)) == sorted(str(e.id) for i, e in enumerate(events) if i != 7)
    assert len(done) == len(set(done)) == 39  # each once
    assert any(len(c["events"]) > 1 for c in recorder.calls)  # batches did happen
    assert Envelope.model_validate_json(dead[0].data).id == events[7].id
