"""SQL for the stock ledger (`inventory.movements`, append-only) and the balances kept
with it; takes a connection inside a tenant transaction, never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from inventory.errors import StockValueTooLarge
from mpflow_platform.db import Connection
from mpflow_platform.money import round_money, split_largest_remainder

#: A balance's value (numeric(14,2)) stays below this.
MAX_BALANCE = Decimal("1e12")

Location = Literal["home", "in_transit", "marketplace:ozon"]
LOCATIONS: tuple[Location, ...] = ("home", "in_transit", "marketplace:ozon")
MovementType = Literal[
    "receipt",
    "unreceive",
    "sale",
    "sale_cancelled",
    "return",
    "write_off",
    "adjustment",
    "stocktake",
    "transfer",
    "initial_balance",
]


@dataclass(frozen=True)
class Movement:
    """One immutable ledger row: `qty` units (signed) of a card at a location, and their
    value at cost (signed like qty)."""

    id: UUID
    card_id: UUID
    location: Location
    qty: int
    type: MovementType
    ref_type: str
    ref_id: UUID
    value: Decimal
    occurred_at: datetime
    lot_id: UUID | None = None
    actor: UUID | None = None
    #: Why (write-offs, adjustments, stocktakes): the reason code and the operator's note.
    reason: str | None = None
    note: str | None = None

    @property
    def unit_cost(self) -> Decimal:
        return round_money(self.value / self.qty, Decimal("0.0001"))


async def record(tx: Connection, *, user_id: UUID, movements: Sequence[Movement]) -> None:
    """Append movements and move the balances with them; a location a − emptied gives the
    value it still holds to the card's other locations (`settle_emptied`)."""
    if not movements:
        return
    totals: dict[tuple[UUID, str], tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for m in movements:
        qty, value = totals[(m.card_id, m.location)]
        totals[(m.card_id, m.location)] = (qty + m.qty, value + m.value)
    await _check_range(tx, user_id, totals)
    await tx.executemany(
        """
        INSERT INTO inventory.movements (id, user_id, card_id, location, qty, type, ref_type,
                                         ref_id, lot_id, unit_cost, value, occurred_at, actor,
                                         reason, note)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        """,
        [
            (
                m.id,
                user_id,
                m.card_id,
                m.location,
                m.qty,
                m.type,
                m.ref_type,
                m.ref_id,
                m.lot_id,
                m.unit_cost,
                m.value,
                m.occurred_at,
                m.actor,
                m.reason,
                m.note,
            )
            for m in movements
        ],
    )
    await tx.executemany(
        """
        INSERT INTO inventory.balances (user_id, card_id, location, qty, value)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (user_id, card_id, location) DO UPDATE
        SET qty = balances.qty + EXCLUDED.qty, value = balances.value + EXCLUDED.value
        """,
        [
            (user_id, card_id, location, qty, value)
            for (card_id, location), (qty, value) in sorted(totals.items(), key=str)
        ],
    )
    await settle_emptied(
        tx, user_id=user_id, card_ids=sorted({m.card_id for m in movements if m.qty < 0})
    )


async def _check_range(
    tx: Connection, user_id: UUID, totals: dict[tuple[UUID, str], tuple[int, Decimal]]
) -> None:
    """Raise StockValueTooLarge unless every balance these totals move stays below 10^12
    (the cards are locked by the caller, so the figures hold)."""
    if all(abs(value) < MAX_BALANCE for _, value in totals.values()):
        current = await tx.fetch(
            "SELECT card_id, location, value FROM inventory.balances "
            "WHERE user_id = $1 AND card_id = ANY($2)",
            user_id,
            sorted({card_id for card_id, _ in totals}),
        )
        held = {(r["card_id"], r["location"]): r["value"] for r in current}
        too_large = [
            key
            for key, (_, value) in totals.items()
            if abs(held.get(key, Decimal(0)) + value) >= MAX_BALANCE
        ]
    else:
        too_large = [key for key, (_, value) in totals.items() if abs(value) >= MAX_BALANCE]
    if too_large:
        card_id, location = sorted(too_large, key=str)[0]
        raise StockValueTooLarge(
            f"the stock value of card {card_id} at {location} would reach 10^12, more than "
            "can be stored: check quantities and costs",
            card_ids=sorted({str(card) for card, _ in too_large}),
        )


async def settle_emptied(tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]) -> None:
    """Move the value left at locations holding no units of a card to the locations that
    still hold some (`revalue`): consumption takes the card-wide FIFO cost and transfers
    the location's average, so a location can run out of units with value left over.
    Σ balance value per card is unchanged (= Σ lot remaining value). Call with the cards
    locked."""
    rows = await tx.fetch(
        "UPDATE inventory.balances b SET value = 0 FROM inventory.balances old "
        "WHERE b.user_id = $1 AND b.card_id = ANY($2) AND b.qty = 0 AND b.value <> 0 "
        "AND old.user_id = b.user_id AND old.card_id = b.card_id "
        "AND old.location = b.location RETURNING b.card_id, old.value",
        user_id,
        sorted(set(card_ids)),
    )
    left: dict[UUID, Decimal] = defaultdict(Decimal)
    for row in rows:  # one statement for every card; the rare leftovers move afterwards
        left[row["card_id"]] += row["value"]
    for card_id, value in sorted(left.items()):
        await revalue(tx, user_id=user_id, card_id=card_id, value=value)


async def balances_at(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID], location: str
) -> dict[UUID, tuple[int, Decimal]]:
    """`(qty, value)` per card at one location (cards with no row are absent). Lock the
    cards first for a figure that holds until the transaction ends."""
    rows = await tx.fetch(
        "SELECT card_id, qty, value FROM inventory.balances "
        "WHERE user_id = $1 AND card_id = ANY($2) AND location = $3",
        user_id,
        list(card_ids),
        location,
    )
    return {r["card_id"]: (r["qty"], r["value"]) for r in rows}


async def quantities_as_of(
    tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID], location: str, as_of: datetime
) -> dict[UUID, int]:
    """Σ ledger quantity per card at a location over movements that occurred up to `as_of`
    (cards without movements are absent): what a stocktake counted at `as_of` should find."""
    rows = await tx.fetch(
        "SELECT card_id, sum(qty)::int AS qty FROM inventory.movements "
        "WHERE user_id = $1 AND card_id = ANY($2) AND location = $3 AND occurred_at <= $4 "
        "GROUP BY card_id",
        user_id,
        list(card_ids),
        location,
        as_of,
    )
    return {r["card_id"]: r["qty"] for r in rows}


async def revalue(tx: Connection, *, user_id: UUID, card_id: UUID, value: Decimal) -> None:
    """Change a card's balance value by `value` without moving units: the on-hand part of a
    value added to its lots (a late charge, a redistributed shortage), so that Σ lot
    remaining value keeps equal to Σ balance value. Split over the locations holding units
    by their quantity (largest remainder, in LOCATIONS order); onto `home` when none does.
    No ledger row: the ledger records where units are, and no unit moved."""
    if not value:
        return
    rows = await tx.fetch(
        "SELECT location, qty FROM inventory.balances "
        "WHERE user_id = $1 AND card_id = $2 AND qty > 0",
        user_id,
        card_id,
    )
    held = sorted(
        ((r["location"], r["qty"]) for r in rows),
        key=lambda lq: LOCATIONS.index(lq[0]) if lq[0] in LOCATIONS else len(LOCATIONS),
    )
    if held:
        parts = split_largest_remainder(value, [Decimal(qty) for _, qty in held])
        changes = [(location, part) for (location, _), part in zip(held, parts, strict=True)]
    else:
        changes = [("home", value)]
    await tx.executemany(
        """
        INSERT INTO inventory.balances (user_id, card_id, location, qty, value)
        VALUES ($1, $2, $3, 0, $4)
        ON CONFLICT (user_id, card_id, location) DO UPDATE
        SET value = balances.value + EXCLUDED.value
        """,
        [(user_id, card_id, location, part) for location, part in changes if part],
    )
