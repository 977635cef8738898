"""Batch costing (`allocate_sales`, the batch consumer's handler) gives exactly what costing
the same sales one by one (`allocate_sale`) gives, to the kopeck.

Two tenants get the same cards and the same lots (odd values, so splits round). The same
seeded random sequence of sales (several lines, the same card twice in a sale, more units
than in stock, a card inventory has no copy of, a sale republished under another event, a
line id repeated in a later sale) is costed for Alice one sale per transaction, and for Bob in
random chunks, one transaction per chunk, as the consumer batches them. Then every sale line,
allocation (in `created_at, id` order), lot, ledger row, balance, placeholder card and
`inventory.cogs.allocated` payload must be the same, the ids of lots and lines mapped.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any
from uuid import UUID

import pytest

from inventory.costing.service import InvalidSaleEvent, allocate_sale, allocate_sales
from inventory.events.consumed import SaleLine, SaleRecorded
from inventory.ledger import repository as ledger
from inventory.ledger.repository import Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Pool, create_pool, transaction
from mpflow_platform.ids import uuid7

ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
BOB_ID = UUID("00000000-0000-7000-8000-000000000b0b")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def arrange(
    pool: Pool, tenant: UUID, cards: list[UUID], lots: list[tuple[int, int, str, int]]
) -> list[UUID]:
    """The cards, and lots (card index, qty, value, hours after T0) with their ledger rows;
    the lot ids in the order given."""
    lot_ids = []
    async with transaction(pool, user_id=tenant) as tx:
        for i, card in enumerate(cards):
            await tx.execute(
                "INSERT INTO inventory.cards (user_id, card_id, sku, title) "
                "VALUES ($1, $2, $3, 'c')",
                tenant,
                card,
                f"C-{i}",
            )
        for card_index, qty, value, hours in lots:
            lot_id = uuid7()
            lot_ids.append(lot_id)
            at = T0 + timedelta(hours=hours)
            card = cards[card_index]
            await lots_repo.insert_lot(
                tx, id=lot_id, user_id=tenant, card_id=card, source="initial_balance",
                received_at=at, qty=qty, value=D(value),
            )  # fmt: skip
            await ledger.record(
                tx,
                user_id=tenant,
                movements=[
                    Movement(uuid7(), card, "home", qty, "initial_balance", "lot", lot_id,
                             D(value), at, lot_id)
                ],
            )  # fmt: skip
    return lot_ids


def random_sales(rnd: random.Random, cards: list[UUID], n: int) -> list[SaleRecorded]:
    """Sales of Alice's tenant; `stranger` is a card inventory has no copy of."""
    stranger = uuid.uuid4()
    sales: list[SaleRecorded] = []
    for i in range(n):
        lines = []
        for _ in range(rnd.choice([1, 1, 1, 2, 3])):
            card = stranger if i % 17 == 5 and not lines else rnd.choice(cards)
            lines.append(
                SaleLine(
                    line_id=uuid7(),
                    card_id=card,
                    qty=rnd.choice([1, 1, 2, 3, 7]),
                    location=rnd.choice([None, "home", "marketplace:ozon"]),
                )
            )
        sale = SaleRecorded(
            sale_id=uuid7(),
            marketplace=rnd.choice(["ozon", "manual"]),
            occurred_at=T0 + timedelta(days=1, minutes=i),
            lines=lines,
        )
        sales.append(sale)
        if i % 11 == 3:  # the same sale again, under another event id
            sales.append(sale.model_copy())
        if i % 13 == 7:  # a later sale repeating a line already costed, plus a new line
            sales.append(
                SaleRecorded(
                    sale_id=sale.sale_id,
                    occurred_at=sale.occurred_at,
                    lines=[lines[0], SaleLine(line_id=uuid7(), card_id=cards[0], qty=1)],
                )
            )
    return sales


def for_bob(sale: SaleRecorded, line_map: dict[UUID, UUID]) -> SaleRecorded:
    """The same sale with Bob's line ids (sale line ids are unique across tenants)."""
    return sale.model_copy(
        update={
            "lines": [
                ln.model_copy(update={"line_id": line_map.setdefault(ln.line_id, uuid7())})
                for ln in sale.lines
            ]
        }
    )


async def snapshot(pool: Pool, tenant: UUID) -> dict[str, list[Any]]:
    """The tenant's costing rows (the test connects as the owner, which RLS may not bind)."""
    async with transaction(pool, user_id=tenant) as tx:
        q = {
            "lines": "SELECT id, sale_id, card_id, location, qty, qty_pending, qty_returned, "
            "occurred_at, status FROM inventory.sale_lines WHERE user_id = $1 "
            "ORDER BY occurred_at, id",
            "allocations": "SELECT sale_line_id, lot_id, qty, cost FROM inventory.cogs_allocations "
            "WHERE user_id = $1 ORDER BY created_at, id",
            "lots": "SELECT id, card_id, received_at, initial_qty, remaining_qty, initial_value, "
            "remaining_value FROM inventory.lots WHERE user_id = $1 ORDER BY received_at, id",
            "movements": "SELECT card_id, location, qty, type, ref_type, ref_id, lot_id, "
            "unit_cost, value, occurred_at FROM inventory.movements WHERE user_id = $1 "
            "ORDER BY occurred_at, id",
            "balances": "SELECT card_id, location, qty, value FROM inventory.balances "
            "WHERE user_id = $1 ORDER BY card_id, location",
            "cards": "SELECT card_id, sku, title, status, version FROM inventory.cards "
            "WHERE user_id = $1 ORDER BY card_id",
        }
        out = {k: [dict(r) for r in await tx.fetch(sql, tenant)] for k, sql in q.items()}
    rows = await pool.fetch(
        "SELECT subject, payload FROM inventory.outbox WHERE user_id = $1 ORDER BY seq", tenant
    )
    out["events"] = [(r["subject"], r["payload"]["data"]) for r in rows]
    return out


def mapped(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every id (UUID or its string) replaced by Alice's equivalent."""
    if isinstance(value, dict):
        return {k: mapped(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mapped(v, ids) for v in value]
    if isinstance(value, UUID | str):
        return ids.get(str(value), str(value) if isinstance(value, UUID) else value)
    return value


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_batches_cost_exactly_like_one_sale_at_a_time(
    inventory_url: str, database_url: str, seed: int
) -> None:
    # inventory_url: the service started, so the database is migrated.
    rnd = random.Random(seed)
    cards = [uuid.uuid4() for _ in range(6)]
    lots = [
        (
            rnd.randrange(len(cards)),
            rnd.randint(1, 9),
            f"{rnd.randint(1, 99999)}.{rnd.randint(0, 99):02d}",
            h,
        )
        for h in range(30)
    ]
    pool = await create_pool(database_url, application_name="test", max_size=4)
    try:
        alice_lots = await arrange(pool, ALICE_ID, cards, lots)
        bob_lots = await arrange(pool, BOB_ID, cards, lots)
        sales = random_sales(rnd, cards, 120)
        line_map: dict[UUID, UUID] = {}
        bob_sales = [for_bob(s, line_map) for s in sales]

        for sale in sales:
            async with transaction(pool, user_id=ALICE_ID) as tx:
                await allocate_sale(tx, ALICE_ID, sale)
        i = 0
        while i < len(bob_sales):
            n = rnd.choice([1, 2, 5, 17, 40])
            async with transaction(pool, user_id=BOB_ID) as tx:
                await allocate_sales(tx, BOB_ID, bob_sales[i : i + n])
            i += n

        alice = await snapshot(pool, ALICE_ID)
        bob = await snapshot(pool, BOB_ID)
    finally:
        await pool.close()

    ids = {str(b): str(a) for a, b in zip(alice_lots, bob_lots, strict=True)}
    ids |= {str(b): str(a) for a, b in line_map.items()}
    assert len(alice["lines"]) > 150
    assert any(r["qty_pending"] for r in alice["lines"])  # some sold beyond the stock
    assert any(r["status"] == "draft" for r in alice["cards"])  # the placeholder card
    assert len(alice["events"]) < len(sales)  # the republished sales had no second effect
    for key in alice:
        theirs, ours = mapped(bob[key], ids), mapped(alice[key], {})
        if key == "lines":  # ordered by id within a date: Bob's ids sort otherwise
            theirs, ours = sorted(theirs, key=str), sorted(ours, key=str)
        assert theirs == ours, key


async def test_a_sale_with_a_line_twice_fails_the_batch(
    inventory_url: str, database_url: str
) -> None:
    card = uuid.uuid4()
    line = SaleLine(line_id=uuid7(), card_id=card, qty=1)
    good = SaleRecorded(
        sale_id=uuid7(), occurred_at=T0, lines=[SaleLine(line_id=uuid7(), card_id=card, qty=1)]
    )
    bad = SaleRecorded(sale_id=uuid7(), occurred_at=T0, lines=[line, line])
    pool = await create_pool(database_url, application_name="test", max_size=2)
    try:
        with pytest.raises(InvalidSaleEvent):
            async with transaction(pool, user_id=ALICE_ID) as tx:
                await allocate_sales(tx, ALICE_ID, [good, bad])
        async with transaction(pool, user_id=ALICE_ID) as tx:
            costed = await tx.fetchval(
                "SELECT count(*) FROM inventory.sale_lines WHERE sale_id = $1", good.sale_id
            )
    finally:
        await pool.close()
    assert costed == 0  # nothing of the batch was written
