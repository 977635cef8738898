"""SQL for sale costing: sale lines, FIFO allocations (COGS) and COGS adjustments.

Takes a connection inside a tenant transaction, never commits. Callers follow the lock order
of `inventory/lot/repository.py`: cards first (`lock_cards`), then lots, then sale lines and
allocations.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from inventory.costing.fifo import LotState
from inventory.events.consumed import SaleReturned
from inventory.events.published import COGS_ADJUSTED, CogsAdjusted
from inventory.ledger.repository import Movement
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection
from mpflow_platform.events import new_event, outbox

SCHEMA = "inventory"
SOURCE = "inventory"
#: Placeholder copy of a card a sale names before catalog's card event arrived (version 0,
#: status draft, so the overview hides it and the first catalog event replaces it).
PLACEHOLDER_SKU = "?"
PLACEHOLDER_TITLE = "(awaiting the catalog card event)"


@dataclass(frozen=True)
class SaleLineRow:
    id: UUID
    sale_id: UUID
    card_id: UUID
    location: str
    qty: int
    qty_pending: int
    qty_returned: int
    occurred_at: datetime
    status: str


@dataclass(frozen=True)
class AllocationRow:
    id: UUID
    sale_line_id: UUID
    lot_id: UUID
    qty: int
    cost: Decimal


@dataclass(frozen=True)
class NewAllocation:
    id: UUID
    sale_line_id: UUID
    lot_id: UUID
    qty: int
    cost: Decimal


@dataclass(frozen=True)
class NewAdjustment:
    id: UUID
    sale_line_id: UUID | None
    allocation_id: UUID | None
    reason: str
    amount: Decimal
    source_id: UUID | None
    occurred_at: datetime


SALE_LINE_COLUMNS = (
    "id, sale_id, card_id, location, qty, qty_pending, qty_returned, occurred_at, status"
)


def _sale_line(row: object) -> SaleLineRow:
    r = row  # asyncpg.Record
    return SaleLineRow(**{k: r[k] for k in SALE_LINE_COLUMNS.split(", ")})  # type: ignore[index]


async def ensure_cards(tx: Connection, *, user_id: UUID, card_ids: Iterable[UUID]) -> None:
    """Insert a placeholder copy for each card inventory has not heard of yet (no effect on
    known cards). The catalog's card event (version >= 0) overwrites it."""
    await tx.execute(
        """
        INSERT INTO inventory.cards (user_id, card_id, sku, title, status, version)
        SELECT $1, c, $3, $4, 'draft', 0 FROM unnest($2::uuid[]) AS c
        ORDER BY c
        ON CONFLICT (user_id, card_id) DO NOTHING
        """,
        user_id,
        sorted(set(card_ids)),
        PLACEHOLDER_SKU,
        PLACEHOLDER_TITLE,
    )


async def existing_line_ids(tx: Connection, *, user_id: UUID, ids: Sequence[UUID]) -> set[UUID]:
    rows = await tx.fetch(
        "SELECT id FROM inventory.sale_lines WHERE user_id = $1 AND id = ANY($2)",
        user_id,
        list(ids),
    )
    return {r["id"] for r in rows}


async def sale_card_ids(tx: Connection, *, user_id: UUID, sale_id: UUID) -> list[UUID]:
    rows = await tx.fetch(
        "SELECT DISTINCT card_id FROM inventory.sale_lines WHERE user_id = $1 AND sale_id = $2",
        user_id,
        sale_id,
    )
    return [r["card_id"] for r in rows]


async def sale_lines_of(
    tx: Connection, *, user_id: UUID, sale_id: UUID, lock: bool = True
) -> list[SaleLineRow]:
    """The sale's lines (locked; call after locking their cards)."""
    rows = await tx.fetch(
        f"SELECT {SALE_LINE_COLUMNS} FROM inventory.sale_lines "
        "WHERE user_id = $1 AND sale_id = $2 ORDER BY card_id, id"
        + (" FOR UPDATE" if lock else ""),
        user_id,
        sale_id,
    )
    return [_sale_line(r) for r in rows]


async def pending_lines(tx: Connection, *, user_id: UUID, card_id: UUID) -> list[SaleLineRow]:
    """Active lines of the card still waiting for stock, oldest sale first (locked)."""
    rows = await tx.fetch(
        f"SELECT {SALE_LINE_COLUMNS} FROM inventory.sale_lines "
        "WHERE user_id = $1 AND card_id = $2 AND qty_pending > 0 AND status = 'active' "
        "ORDER BY occurred_at, id FOR UPDATE",
        user_id,
        card_id,
    )
    return [_sale_line(r) for r in rows]


async def update_sale_lines(tx: Connection, *, user_id: UUID, lines: Sequence[SaleLineRow]) -> None:
    if not lines:
        return
    await tx.executemany(
        "UPDATE inventory.sale_lines SET qty_pending = $3, qty_returned = $4, status = $5 "
        "WHERE user_id = $1 AND id = $2",
        [(user_id, ln.id, ln.qty_pending, ln.qty_returned, ln.status) for ln in lines],
    )


async def allocations_of_lines(
    tx: Connection, *, user_id: UUID, line_ids: Sequence[UUID]
) -> list[AllocationRow]:
    """Allocations of the lines, oldest first (locked)."""
    rows = await tx.fetch(
        "SELECT id, sale_line_id, lot_id, qty, cost FROM inventory.cogs_allocations "
        "WHERE user_id = $1 AND sale_line_id = ANY($2) ORDER BY created_at, id FOR UPDATE",
        user_id,
        list(line_ids),
    )
    return [AllocationRow(**dict(r)) for r in rows]


async def open_allocations_of_lots(
    tx: Connection, *, user_id: UUID, lot_ids: Sequence[UUID]
) -> list[tuple[AllocationRow, UUID, int]]:
    """Allocations of the lots still holding units (not returned), oldest first, with the
    sale id and pending quantity of their line (locked)."""
    rows = await tx.fetch(
        """
        SELECT a.id, a.sale_line_id, a.lot_id, a.qty, a.cost, s.sale_id, s.qty_pending
        FROM inventory.cogs_allocations a
        JOIN inventory.sale_lines s ON s.user_id = a.user_id AND s.id = a.sale_line_id
        WHERE a.user_id = $1 AND a.lot_id = ANY($2) AND a.qty > 0
        ORDER BY a.created_at, a.id
        FOR UPDATE OF a
        """,
        user_id,
        list(lot_ids),
    )
    return [
        (
            AllocationRow(
                id=r["id"],
                sale_line_id=r["sale_line_id"],
                lot_id=r["lot_id"],
                qty=r["qty"],
                cost=r["cost"],
            ),
            r["sale_id"],
            r["qty_pending"],
        )
        for r in rows
    ]


async def insert_allocations(
    tx: Connection, *, user_id: UUID, allocations: Sequence[NewAllocation]
) -> None:
    if not allocations:
        return
    await tx.executemany(
        "INSERT INTO inventory.cogs_allocations (id, user_id, sale_line_id, lot_id, qty, cost) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        [(a.id, user_id, a.sale_line_id, a.lot_id, a.qty, a.cost) for a in allocations],
    )


async def set_allocations(
    tx: Connection, *, user_id: UUID, allocations: Sequence[AllocationRow]
) -> None:
    """Store the current quantity and cost of allocations (returns, cancellations)."""
    if not allocations:
        return
    await tx.executemany(
        "UPDATE inventory.cogs_allocations SET qty = $3, cost = $4 WHERE user_id = $1 AND id = $2",
        [(user_id, a.id, a.qty, a.cost) for a in allocations],
    )


async def add_allocation_costs(
    tx: Connection, *, user_id: UUID, amounts: Sequence[tuple[UUID, Decimal]]
) -> None:
    if not amounts:
        return
    await tx.executemany(
        "UPDATE inventory.cogs_allocations SET cost = cost + $3 WHERE user_id = $1 AND id = $2",
        [(user_id, allocation_id, amount) for allocation_id, amount in amounts],
    )


async def insert_adjustments(
    tx: Connection, *, user_id: UUID, adjustments: Sequence[NewAdjustment]
) -> None:
    if not adjustments:
        return
    await tx.executemany(
        """
        INSERT INTO inventory.cogs_adjustments (id, user_id, sale_line_id, allocation_id, reason,
                                                amount, source_id, occurred_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        [
            (
                a.id,
                user_id,
                a.sale_line_id,
                a.allocation_id,
                a.reason,
                a.amount,
                a.source_id,
                a.occurred_at,
            )
            for a in adjustments
        ],
    )


async def publish(
    tx: Connection, *, user_id: UUID, event_type: str, data: dict[str, object]
) -> None:
    """Write an inventory event into the outbox, in the caller's transaction."""
    await outbox.add(
        tx, schema=SCHEMA, event=new_event(event_type, data, user_id=user_id, source=SOURCE)
    )


async def publish_adjusted(tx: Connection, *, user_id: UUID, event: CogsAdjusted) -> None:
    await publish(tx, user_id=user_id, event_type=COGS_ADJUSTED, data=event.model_dump(mode="json"))


async def lock_cards_and_find_lines(
    tx: Connection, *, user_id: UUID, card_ids: Iterable[UUID], line_ids: Sequence[UUID]
) -> tuple[set[UUID], set[UUID]]:
    """Lock the cards (ascending id, as `lot/repository.lock_cards`) and, in the same round
    trip, find which of `line_ids` are costed already: (cards that exist, lines costed).

    The line check reads the snapshot from before the lock wait; a line costed by a
    concurrent transaction meanwhile is still refused by the sale_lines primary key (the
    event is retried and then finds it)."""
    row = await tx.fetchrow(
        """
        WITH locked AS (
            SELECT card_id FROM inventory.cards
            WHERE user_id = $1 AND card_id = ANY($2)
            ORDER BY card_id
            FOR UPDATE
        )
        SELECT (SELECT coalesce(array_agg(card_id), '{}') FROM locked) AS cards,
               (SELECT coalesce(array_agg(id), '{}') FROM inventory.sale_lines
                WHERE user_id = $1 AND id = ANY($3)) AS lines
        """,
        user_id,
        sorted(set(card_ids)),
        list(line_ids),
    )
    assert row is not None
    return set(row["cards"]), set(row["lines"])


async def open_lots_of_cards(
    tx: Connection, *, user_id: UUID, need: dict[UUID, int]
) -> dict[UUID, list[LotState[UUID]]]:
    """Per card, its first `need[card]` open lots in FIFO order (each holds >= 1 unit, so
    that many always cover `need` units), in one round trip. Lock the cards first."""
    cards = sorted(need)
    rows = await tx.fetch(
        f"""
        SELECT l.* FROM unnest($2::uuid[], $3::int[]) AS n(card_id, need)
        CROSS JOIN LATERAL (
            SELECT {lots_repo.LOT_COLUMNS} FROM inventory.lots
            WHERE user_id = $1 AND card_id = n.card_id AND remaining_qty > 0
            ORDER BY received_at, id
            LIMIT n.need
        ) l
        """,
        user_id,
        cards,
        [need[c] for c in cards],
    )
    found: dict[UUID, list[LotState[UUID]]] = {c: [] for c in cards}
    for r in rows:
        found[r["card_id"]].append(lots_repo.lot_state(r))
    return found


async def store_sales(
    tx: Connection,
    *,
    user_id: UUID,
    lines: Sequence[SaleLineRow],
    allocations: Sequence[NewAllocation],
    lots: Sequence[LotState[UUID]],
    movements: Sequence[Movement],
    event_type: str,
    datas: Sequence[dict[str, object]],
) -> None:
    """Everything costing many sales writes, in ONE statement (`allocate_sales`): the new
    sale lines (each with its own sale id), their allocations, the lots they consumed, the
    ledger rows and the balances moved with them (as `ledger.record`), and one outbox event
    of `event_type` per item of `datas`, in that order (the relay publishes by insertion
    order), with one NOTIFY for the relay."""
    totals: dict[tuple[UUID, str], tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for m in movements:
        qty, value = totals[(m.card_id, m.location)]
        totals[(m.card_id, m.location)] = (qty + m.qty, value + m.value)
    balances = sorted(totals.items(), key=str)
    events = [new_event(event_type, d, user_id=user_id, source=SOURCE) for d in datas]
    await tx.execute(
        f"""
        WITH new_lines AS (
            INSERT INTO inventory.sale_lines (id, user_id, sale_id, card_id, location, qty,
                                              qty_pending, occurred_at)
            SELECT t.id, $1, t.sale_id, t.card_id, t.location, t.qty, t.pending, t.occurred_at
            FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::int[],
                        $8::timestamptz[])
                 AS t(id, sale_id, card_id, location, qty, pending, occurred_at)
            RETURNING 1
        ), new_allocations AS (
            INSERT INTO inventory.cogs_allocations (id, user_id, sale_line_id, lot_id, qty, cost)
            SELECT t.id, $1, t.line_id, t.lot_id, t.qty, t.cost
            FROM unnest($9::uuid[], $10::uuid[], $11::uuid[], $12::int[], $13::numeric[])
                 AS t(id, line_id, lot_id, qty, cost)
            RETURNING 1
        ), consumed AS (
            UPDATE inventory.lots l SET remaining_qty = t.qty, remaining_value = t.value
            FROM unnest($14::uuid[], $15::int[], $16::numeric[]) AS t(id, qty, value)
            WHERE l.user_id = $1 AND l.id = t.id AND l.id = ANY($14::uuid[])
            RETURNING 1
        ), new_movements AS (
            INSERT INTO inventory.movements (id, user_id, card_id, location, qty, type, ref_type,
                                             ref_id, lot_id, unit_cost, value, occurred_at)
            SELECT t.id, $1, t.card_id, t.location, t.qty, t.type, t.ref_type, t.ref_id,
                   t.lot_id, t.unit_cost, t.value, t.occurred_at
            FROM unnest($17::uuid[], $18::uuid[], $19::text[], $20::int[], $21::text[],
                        $22::text[], $23::uuid[], $24::uuid[], $25::numeric[], $26::numeric[],
                        $27::timestamptz[])
                 AS t(id, card_id, location, qty, type, ref_type, ref_id, lot_id, unit_cost,
                      value, occurred_at)
            RETURNING 1
        ), moved AS (
            INSERT INTO inventory.balances AS b (user_id, card_id, location, qty, value)
            SELECT $1, t.card_id, t.location, t.qty, t.value
            FROM unnest($28::uuid[], $29::text[], $30::int[], $31::numeric[])
                 WITH ORDINALITY AS t(card_id, location, qty, value, n)
            ORDER BY t.n
            ON CONFLICT (user_id, card_id, location) DO UPDATE
            SET qty = b.qty + EXCLUDED.qty, value = b.value + EXCLUDED.value
            RETURNING 1
        ), published AS (
            INSERT INTO {outbox.checked_schema(SCHEMA)}.outbox (id, subject, payload, user_id)
            SELECT t.id, t.subject, t.payload::jsonb, $1
            FROM unnest($32::uuid[], $33::text[], $34::text[]) WITH ORDINALITY
                 AS t(id, subject, payload, n)
            ORDER BY t.n
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM new_lines), (SELECT count(*) FROM new_allocations),
               (SELECT count(*) FROM consumed), (SELECT count(*) FROM new_movements),
               (SELECT count(*) FROM moved),
               CASE WHEN (SELECT count(*) FROM published) > 0 THEN pg_notify($35, '') END
        """,
        user_id,
        [ln.id for ln in lines],
        [ln.sale_id for ln in lines],
        [ln.card_id for ln in lines],
        [ln.location for ln in lines],
        [ln.qty for ln in lines],
        [ln.qty_pending for ln in lines],
        [ln.occurred_at for ln in lines],
        [a.id for a in allocations],
        [a.sale_line_id for a in allocations],
        [a.lot_id for a in allocations],
        [a.qty for a in allocations],
        [a.cost for a in allocations],
        [lot.lot_id for lot in lots],
        [lot.remaining_qty for lot in lots],
        [lot.remaining_value for lot in lots],
        [m.id for m in movements],
        [m.card_id for m in movements],
        [m.location for m in movements],
        [m.qty for m in movements],
        [m.type for m in movements],
        [m.ref_type for m in movements],
        [m.ref_id for m in movements],
        [m.lot_id for m in movements],
        [m.unit_cost for m in movements],
        [m.value for m in movements],
        [m.occurred_at for m in movements],
        [card_id for (card_id, _), _ in balances],
        [location for (_, location), _ in balances],
        [qty for _, (qty, _) in balances],
        [value for _, (_, value) in balances],
        [e.id for e in events],
        [e.subject for e in events],
        [json.dumps(e.model_dump(mode="json")) for e in events],
        outbox.notify_channel(SCHEMA),
    )


async def register_return(tx: Connection, *, user_id: UUID, event: SaleReturned) -> bool:
    """Record that the return is being applied; False when it was applied before."""
    inserted = await tx.fetchval(
        """
        INSERT INTO inventory.sale_returns (return_id, user_id, sale_id, kind, occurred_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (return_id) DO NOTHING
        RETURNING return_id
        """,
        event.return_id,
        user_id,
        event.sale_id,
        event.kind,
        event.occurred_at,
    )
    return inserted is not None
