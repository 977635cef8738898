"""How many sale lines inventory costs FIFO per second (the consumer of
`mpflow.sales.sale.recorded`: `inventory.costing.service.allocate_sale` one by one, and
`allocate_sales` in batches), and that the figure does not depend on how much lot history
the tenant has.

Run: `.venv/bin/python bench/fifo_costing.py [--sales 5000] [--lots 10000 100000]
[--cards 1000] [--open-lots 3] [--lines-per-sale 1] [--workers 4] [--batch 100]
[--no-fsync]`.

For each lot count it builds a fresh database on its own embedded PostgreSQL: `--cards`
cards, `lots / cards` lots each, all but `--open-lots` of them depleted (each with the sale
line, allocation and ledger rows of its history), the open ones holding plenty of units.
Then it costs `--sales` sales (each of `--lines-per-sale` lines of 1–3 units of random
cards) through the real consumer code (`EventConsumer.handle` / `handle_many` with
inventory's handler table, on messages that stand in for NATS's): one by one (every sale in
its own transaction with its inbox row), and in batches of `--batch` consecutive messages
(one transaction each), each from 1 and from `--workers` concurrent workers. It prints sale
lines costed per second; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg

from inventory.events.consumed import SALE_RECORDED, SaleLine, SaleRecorded
from inventory.events.handlers import HANDLERS
from mpflow_devstack.postgres import EmbeddedPostgres
from mpflow_platform.db import Pool, create_pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.events.consumer import EventConsumer
from mpflow_platform.ids import uuid7
from mpflow_platform.migrations import apply_migrations
from mpflow_platform.settings import find_migrations_dir

TENANT = uuid.UUID("00000000-0000-7000-8000-0000000be7c4")
T0 = datetime(2024, 1, 1, tzinfo=UTC)
OPEN_LOT_QTY = 100_000


async def build(url: str, *, cards: int, lots: int, open_lots: int) -> list[uuid.UUID]:
    """Cards with `lots` lots in all, most of them depleted history; the card ids."""
    per_card = max(lots // cards, open_lots)
    card_ids = [uuid.uuid4() for _ in range(cards)]
    lot_rows, line_rows, alloc_rows, move_rows = [], [], [], []
    for c, card in enumerate(card_ids):
        for i in range(per_card):
            lot = uuid7()
            at = T0 + timedelta(hours=i, seconds=c)
            if i < per_card - open_lots:  # depleted: received, then sold out
                qty, value = 10, Decimal("1234.50")
                lot_rows.append((lot, TENANT, card, "initial_balance", at, qty, 0, value, 0))
                line = uuid7()
                line_rows.append((line, TENANT, uuid7(), card, "home", qty, 0, at))
                alloc_rows.append((uuid7(), TENANT, line, lot, qty, value))
                move_rows.append(
                    (uuid7(), TENANT, card, "home", qty, "initial_balance", "lot", lot, lot,
                     value, at)
                )  # fmt: skip
                move_rows.append(
                    (uuid7(), TENANT, card, "home", -qty, "sale", "sale_line", line, lot,
                     -value, at)
                )  # fmt: skip
            else:
                value = Decimal("12345678.91")
                lot_rows.append(
                    (lot, TENANT, card, "initial_balance", at, OPEN_LOT_QTY, OPEN_LOT_QTY,
                     value, value)
                )  # fmt: skip
                move_rows.append(
                    (uuid7(), TENANT, card, "home", OPEN_LOT_QTY, "initial_balance", "lot", lot,
                     lot, value, at)
                )  # fmt: skip
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO inventory.cards (user_id, card_id, sku, title, version) "
            "VALUES ($1, $2, $3, 'bench', 1)",
            [(TENANT, card, f"B-{i:06d}") for i, card in enumerate(card_ids)],
        )
        await conn.copy_records_to_table(
            "lots",
            schema_name="inventory",
            records=lot_rows,
            columns=[
                "id", "user_id", "card_id", "source", "received_at", "initial_qty",
                "remaining_qty", "initial_value", "remaining_value",
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "sale_lines",
            schema_name="inventory",
            records=line_rows,
            columns=["id", "user_id", "sale_id", "card_id", "location", "qty", "qty_pending",
                     "occurred_at"],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "cogs_allocations",
            schema_name="inventory",
            records=alloc_rows,
            columns=["id", "user_id", "sale_line_id", "lot_id", "qty", "cost"],
        )
        await conn.copy_records_to_table(
            "movements",
            schema_name="inventory",
            records=move_rows,
            columns=["id", "user_id", "card_id", "location", "qty", "type", "ref_type",
                     "ref_id", "lot_id", "value", "occurred_at"],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO inventory.balances (user_id, card_id, location, qty, value) "
            "SELECT user_id, card_id, location, sum(qty), sum(value) FROM inventory.movements "
            "GROUP BY user_id, card_id, location"
        )
        await conn.execute("VACUUM ANALYZE")
        # Flush the load now, so the checkpoint it causes does not slow the measured commits.
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return card_ids


def sales(card_ids: list[uuid.UUID], n: int, lines: int, seed: int) -> list[SaleRecorded]:
    rnd = random.Random(seed)
    return [
        SaleRecorded(
            sale_id=uuid7(),
            marketplace="ozon",
            occurred_at=T0 + timedelta(days=400, seconds=i),
            lines=[
                SaleLine(line_id=uuid7(), card_id=rnd.choice(card_ids), qty=rnd.randint(1, 3))
                for _ in range(lines)
            ],
        )
        for i in range(n)
    ]


class FakeMsg:
    """What the consumer loop uses of a NATS message; acks are counted, never sent."""

    acked = 0
    failed = 0

    class metadata:  # noqa: N801 - the attribute of nats' Msg
        num_delivered = 1

    def __init__(self, event: SaleRecorded) -> None:
        self.subject = SALE_RECORDED
        envelope = new_event(
            "sales.sale.recorded", event.model_dump(mode="json"), user_id=TENANT, source="bench"
        )
        self.data = envelope.model_dump_json().encode()

    async def ack(self) -> None:
        FakeMsg.acked += 1

    async def nak(self, delay: float | None = None) -> None:
        FakeMsg.failed += 1


def consumer(pool: Pool) -> EventConsumer:
    """Inventory's consumer (its handler table); no bus: nothing is dead-lettered here."""
    return EventConsumer(pool, None, schema="inventory", name="bench", handlers=HANDLERS)  # type: ignore[arg-type]


async def cost_one(pool: Pool, msgs: list[FakeMsg]) -> None:
    """The consumer's per-message path: inbox row + `allocate_sale`, one transaction each."""
    c = consumer(pool)
    for msg in msgs:
        await c.handle(msg)  # type: ignore[arg-type]


async def cost_batch(pool: Pool, msgs: list[FakeMsg]) -> None:
    """The consumer's batch path: the messages of one fetch, one transaction per batch."""
    await consumer(pool).handle_many(msgs)  # type: ignore[arg-type]


async def baseline_one(pool: Pool, msgs: list[FakeMsg]) -> None:
    """The floor under `cost_one`: the same transactions with their inbox row and one outbox
    event, but no costing (what the platform's consumer path costs by itself)."""
    for _ in msgs:
        async with transaction(pool, user_id=TENANT) as tx:
            await tx.execute(
                "INSERT INTO inventory.inbox (consumer, event_id, subject, user_id) "
                "VALUES ('bench', $1, 'mpflow.sales.sale.recorded', $2)",
                uuid7(),
                TENANT,
            )
            await outbox.add(
                tx,
                schema="inventory",
                event=new_event("inventory.cogs.allocated", {}, user_id=TENANT, source="bench"),
            )


async def run(
    pool: Pool,
    events: list[SaleRecorded],
    workers: int,
    how: Callable[[Pool, list[FakeMsg]], Awaitable[None]] = cost_one,
    chunk: int = 1,
) -> float:
    """`how` on chunks of `chunk` messages taken by `workers` concurrent workers."""
    msgs = [FakeMsg(e) for e in events]  # the envelopes, as JSON, before the clock starts
    queue: asyncio.Queue[list[FakeMsg]] = asyncio.Queue()
    for i in range(0, len(msgs), chunk):
        queue.put_nowait(msgs[i : i + chunk])

    async def worker() -> None:
        while not queue.empty():
            await how(pool, queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started


async def scenario(admin_url: str, args: argparse.Namespace, lots: int) -> None:
    name = f"bench_fifo_{lots}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    await apply_migrations(url, find_migrations_dir(), ["inventory"])
    started = time.perf_counter()
    card_ids = await build(url, cards=args.cards, lots=lots, open_lots=args.open_lots)
    built = time.perf_counter() - started
    pool = await create_pool(url, application_name="bench", max_size=max(args.workers, 2))
    try:
        count = await pool.fetchval("SELECT count(*) FROM inventory.lots")
        await run(pool, sales(card_ids, 200, args.lines_per_sale, 0), 1)  # warm-up
        line_count = args.sales * args.lines_per_sale
        await run(pool, sales(card_ids, 200, args.lines_per_sale, 1), 1, cost_batch, args.batch)
        for workers in (1, args.workers):
            events = sales(card_ids, args.sales, args.lines_per_sale, workers)
            one = await run(pool, events, workers)
            floor = await run(pool, events, workers, baseline_one)
            events = sales(card_ids, args.sales, args.lines_per_sale, workers + 100)
            batched = await run(pool, events, workers, cost_batch, args.batch)
            print(
                f"lots={count:<7} workers={workers}  {line_count} sale lines: "
                f"one by one {line_count / one:6.0f} lines/s "
                f"({one / args.sales * 1000:.2f} ms per sale; inbox+outbox floor "
                f"{floor / args.sales * 1000:.2f} ms) | batches of {args.batch}: "
                f"{line_count / batched:6.0f} lines/s ({batched / args.sales * 1000:.3f} ms "
                f"per sale)  [built in {built:.0f} s]"
                + (f"  FAILED: {FakeMsg.failed}" if FakeMsg.failed else "")
            )
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sales", type=int, default=5000)
    parser.add_argument("--lots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--open-lots", type=int, default=3)
    parser.add_argument("--lines-per-sale", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=100, help="messages per batch")
    parser.add_argument("--no-fsync", action="store_true", help="fsync and synchronous_commit off")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="mpflow-bench-"))
    pg = EmbeddedPostgres(root / "pg")
    url = pg.start(fsync=not args.no_fsync)
    try:
        for lots in args.lots:
            asyncio.run(scenario(url, args, lots))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
