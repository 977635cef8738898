"""The COGS explanation use case: one read transaction, rows -> `SaleCogs`."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from uuid import UUID

from inventory.costing import queries
from inventory.costing.schemas import (
    AdjustmentRead,
    AllocationExplained,
    ChargeShare,
    LineExplained,
    LotRef,
    OrderLineRef,
    OrderRef,
    SaleCogs,
)
from mpflow_platform.db import Pool, transaction
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.problems import NotFound

ZERO = Decimal("0.00")


async def sale_cogs(*, pool: Pool, identity: Identity, sale_id: UUID) -> SaleCogs:
    user_id = identity.user_id
    assert user_id is not None
    async with transaction(pool, user_id=user_id) as tx:
        lines = await queries.sale_lines(tx, user_id=user_id, sale_id=sale_id)
        if not lines:
            raise NotFound(f"sale {sale_id} has not been costed by inventory")
        line_ids = [ln["id"] for ln in lines]
        allocations = await queries.allocations(tx, user_id=user_id, line_ids=line_ids)
        order_line_ids = sorted({a["order_line_id"] for a in allocations if a["order_line_id"]})
        charges = await queries.charges(tx, user_id=user_id, order_line_ids=order_line_ids)
        adjustments = await queries.adjustments(tx, user_id=user_id, line_ids=line_ids)

    charges_of: dict[UUID, list[ChargeShare]] = defaultdict(list)
    for c in charges:
        charges_of[c["order_line_id"]].append(
            ChargeShare(
                charge_id=c["id"], **{k: c[k] for k in ChargeShare.model_fields if k != "charge_id"}
            )
        )
    allocations_of: dict[UUID, list[AllocationExplained]] = defaultdict(list)
    for a in allocations:
        ol = a["order_line_id"]
        allocations_of[a["sale_line_id"]].append(
            AllocationExplained(
                allocation_id=a["id"],
                qty=a["qty"],
                cost=a["cost"],
                lot=LotRef(**{k: a[k] for k in LotRef.model_fields}),
                order=None if ol is None else OrderRef(**{k: a[k] for k in OrderRef.model_fields}),
                order_line=None
                if ol is None
                else OrderLineRef(
                    order_line_id=ol,
                    qty_ordered=a["qty_ordered"],
                    unit_price=a["unit_price"],
                    line_value_base=a["line_value_base"],
                    landed_value=a["landed_value"],
                    charges=charges_of.get(ol, []),
                ),
            )
        )
    adjustments_of: dict[UUID, list[AdjustmentRead]] = defaultdict(list)
    for j in adjustments:
        adjustments_of[j["sale_line_id"]].append(
            AdjustmentRead(
                adjustment_id=j["id"],
                **{k: j[k] for k in AdjustmentRead.model_fields if k != "adjustment_id"},
            )
        )
    explained = []
    for ln in lines:
        allocs = allocations_of.get(ln["id"], [])
        if ln["status"] == "cancelled":
            status = "cancelled"
        elif ln["qty_pending"] == 0:
            status = "complete"
        else:
            status = "partial" if allocs else "pending"
        explained.append(
            LineExplained(
                sale_line_id=ln["id"],
                card_id=ln["card_id"],
                sku=ln["sku"],
                location=ln["location"],
                status=ln["status"],
                qty=ln["qty"],
                qty_pending=ln["qty_pending"],
                qty_returned=ln["qty_returned"],
                cost=sum((a.cost for a in allocs), ZERO),
                cogs_status=status,
                allocations=allocs,
                adjustments=adjustments_of.get(ln["id"], []),
            )
        )
    return SaleCogs(sale_id=sale_id, cost=sum((ln.cost for ln in explained), ZERO), lines=explained)
