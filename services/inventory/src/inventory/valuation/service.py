"""What a unit of a card costs now: for pricing (catalog) and valuation."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from inventory.valuation import queries
from inventory.valuation.schemas import Availability, StockValue, UnitCost
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity

UNIT = Decimal("0.0001")


async def unit_costs(*, pool: Pool, identity: Identity, card_ids: Sequence[UUID]) -> list[UnitCost]:
    """One entry per card asked for; a card without stock has quantity 0 and no costs."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        found = {
            r["card_id"]: r
            for r in await queries.unit_costs(tx, user_id=identity.user_id, card_ids=card_ids)
        }
    result = []
    for card_id in dict.fromkeys(card_ids):
        row = found.get(card_id)
        if row is None:
            result.append(UnitCost(card_id=card_id, qty=0, value=Decimal("0.00")))
            continue
        result.append(
            UnitCost(
                card_id=card_id,
                qty=row["qty"],
                value=row["value"],
                fifo_unit_cost=row["fifo_unit_cost"].quantize(UNIT),
                average_unit_cost=(row["value"] / row["qty"]).quantize(UNIT),
            )
        )
    return result


async def availability(
    *, pool: Pool, identity: Identity, card_ids: Sequence[UUID]
) -> list[Availability]:
    """Units on hand per card and location (only locations holding units)."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        rows = await queries.availability(tx, user_id=identity.user_id, card_ids=card_ids)
    return [Availability.model_validate(r) for r in rows]


async def stock_valuation(*, pool: Pool, identity: Identity) -> list[StockValue]:
    """Units and value at cost of every card per location."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        rows = await queries.stock_valuation(tx, user_id=identity.user_id)
    return [StockValue.model_validate(r) for r in rows]
