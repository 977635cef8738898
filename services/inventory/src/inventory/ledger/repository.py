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

from mpflow_platform.db import Connection

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

    @property
    def unit_cost(self) -> Decimal:
        return (self.value / self.qty).quantize(Decimal("0.0001"))


async def record(tx: Connection, *, user_id: UUID, movements: Sequence[Movement]) -> None:
    """Append movements and move the balances with them."""
    if not movements:
        return
    await tx.executemany(
        """
        INSERT INTO inventory.movements (id, user_id, card_id, location, qty, type, ref_type,
                                         ref_id, lot_id, unit_cost, value, occurred_at, actor)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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
            )
            for m in movements
        ],
    )
    totals: dict[tuple[UUID, str], tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for m in movements:
        qty, value = totals[(m.card_id, m.location)]
        totals[(m.card_id, m.location)] = (qty + m.qty, value + m.value)
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
