"""Landed cost of a stored supplier order: the bridge between the order tables and the pure
`costing.landed.allocate` (DOMAIN.md §2, §4a, §5).

`recompute_landed_cost` recomputes and stores the whole order (line values, landed values,
charge base amounts and `charge_allocations`), so stored values always equal a fresh full
computation. `apply_late_charge` adds a charge that arrived after goods were received: its
shares raise the lines' landed value, and the part of each share carried by units already
received goes into their lots through `costing.late.apply_late_value`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from inventory.costing import landed
from inventory.errors import ChargeNotAllocatable, InvalidOrder
from inventory.events.published import LOSS_ACCRUED, LossAccrued
from inventory.supplier_order import repository
from mpflow_platform.db import Connection
from mpflow_platform.events import new_event, outbox
from mpflow_platform.ids import uuid7
from mpflow_platform.money import round_money

SCHEMA = "inventory"

#: numeric(14,2) and numeric(20,6) hold less than these.
MAX_MONEY = Decimal("1e12")
MAX_BASIS = Decimal("1e14")


def _landed_lines(lines: Sequence[dict[str, Any]]) -> list[landed.OrderLine[UUID]]:
    return [
        landed.OrderLine(
            line_id=line["id"],
            qty_ordered=line["qty_ordered"],
            unit_price=line["unit_price"],
            weight_kg=line["weight_kg"],
            volume_l=line["volume_l"],
        )
        for line in lines
    ]


def _landed_charge(charge: dict[str, Any]) -> landed.Charge[UUID]:
    manual = charge["manual"]
    return landed.Charge(
        charge_id=charge["id"],
        amount=charge["amount"],
        rate=charge["fx_rate"],
        method=charge["method"],
        manual=None if manual is None else {UUID(k): Decimal(v) for k, v in manual.items()},
    )


def _named(lines: Sequence[dict[str, Any]], ids: Sequence[Hashable]) -> list[dict[str, Any]]:
    by_id = {line["id"]: line for line in lines}
    return [
        {"line_id": str(i), "line_no": by_id[i]["line_no"], "sku": by_id[i]["sku"]}
        for i in ids
        if i in by_id
    ]


def _describe(named: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"line {n['line_no']} ({n['sku']})" for n in named)


def _not_allocatable(
    exc: landed.LandedCostError, lines: Sequence[dict[str, Any]], charges: dict[Hashable, str]
) -> ChargeNotAllocatable | InvalidOrder:
    """The API error for a charge `costing.landed` cannot split; `charges` names them."""
    if isinstance(exc, landed.MissingBasis):
        what = "weight" if exc.method == "by_weight" else "volume"
        named = _named(lines, exc.line_ids)
        return ChargeNotAllocatable(
            f"{charges.get(exc.charge_id, 'a charge')} is allocated {exc.method}, but "
            f"{_describe(named)} ha{'s' if len(named) == 1 else 've'} no {what}: set the "
            f"card's {what if what == 'weight' else 'dimensions'} and re-add the line, or "
            "choose another method",
            error_code=f"missing_{what}",
            lines=named,
        )
    if isinstance(exc, landed.ManualMismatch):
        return ChargeNotAllocatable(
            f"{charges.get(exc.charge_id, 'a charge')}: {exc}".replace(
                f"charge {exc.charge_id!r}: ", ""
            ),
            error_code="manual_mismatch",
            expected=str(exc.expected),
            got=str(exc.got),
            unknown_line_ids=[str(i) for i in exc.unknown_line_ids],
        )
    if isinstance(exc, landed.ZeroBasis):
        return ChargeNotAllocatable(
            f"{charges.get(exc.charge_id, 'a charge')} is allocated {exc.method}, but that basis "
            "is 0 on every line: choose another method",
            error_code="zero_basis",
        )
    if isinstance(exc, landed.NegativeLandedValue):
        named = _named(lines, exc.line_ids)
        return ChargeNotAllocatable(
            f"the charges would make the landed value of {_describe(named)} negative",
            error_code="negative_landed_value",
            lines=named,
        )
    return InvalidOrder(str(exc))


def _charge_names(charges: Sequence[dict[str, Any]]) -> dict[Hashable, str]:
    return {c["id"]: f"the {c['kind']} charge {c['id']}" for c in charges}


def allocate(
    order: dict[str, Any], lines: Sequence[dict[str, Any]], charges: Sequence[dict[str, Any]]
) -> landed.Allocation[UUID]:
    rate = order["fx_rate"]
    products = [x["qty_ordered"] * x["unit_price"] * rate for x in lines]
    products += [c["amount"] * c["fx_rate"] for c in charges]
    if any(abs(p) >= MAX_MONEY for p in products):
        raise too_large()
    try:
        allocation = landed.allocate(
            _landed_lines(lines), rate, [_landed_charge(c) for c in charges]
        )
    except landed.LandedCostError as exc:
        raise _not_allocatable(exc, lines, _charge_names(charges)) from exc
    _check_range(allocation)
    return allocation


def too_large() -> InvalidOrder:
    return InvalidOrder(
        "the order's values in base currency would reach 10^12: check quantities, prices and rates"
    )


def _check_range(allocation: landed.Allocation[UUID]) -> None:
    amounts = [c.charge_base for c in allocation.charges]
    for line in allocation.lines:
        amounts += [line.line_value_base, line.line_landed_value]
        if any(abs(s.basis) >= MAX_BASIS for s in line.shares):
            raise InvalidOrder("a charge's basis is too large to store: check the quantities")
    if any(abs(a) >= MAX_MONEY for a in amounts):
        raise too_large()


async def recompute_landed_cost(tx: Connection, *, user_id: UUID, order_id: UUID) -> None:
    """Recompute and store the whole order's landed cost (lines, charges, allocations) from
    its lines, rate and charges; call with the order row locked."""
    order = await repository.get_order(tx, user_id=user_id, order_id=order_id)
    assert order is not None, "call with the order row locked"
    lines = await repository.get_lines(tx, user_id=user_id, order_id=order_id)
    charges = await repository.get_charges(tx, user_id=user_id, order_id=order_id)
    allocation = allocate(order, lines, charges)
    await repository.set_line_values(
        tx,
        user_id=user_id,
        values=[(c.line_id, c.line_value_base, c.line_landed_value) for c in allocation.lines],
    )
    await repository.delete_allocations(tx, user_id=user_id, charge_ids=[c["id"] for c in charges])
    await repository.insert_allocations(
        tx,
        user_id=user_id,
        rows=[
            (UUID(str(s.charge_id)), line.line_id, s.basis, s.amount_base)
            for line in allocation.lines
            for s in line.shares
        ],
    )
    await repository.set_charge_amounts(
        tx,
        user_id=user_id,
        amounts=[(UUID(str(t.charge_id)), t.charge_base) for t in allocation.charges],
    )


async def apply_late_charge(
    tx: Connection,
    tenant: UUID,
    order: dict[str, Any],
    lines: Sequence[dict[str, Any]],
    charge: dict[str, Any],
    allocation: landed.Allocation[UUID],
) -> None:
    """Add a charge that came after receipt to the lines' landed value, and push the part of
    each line's share that belongs to received units into its lots (DOMAIN.md §5).

    On an open order the part of a short line's share carried by units still to come stays
    on its landed value (their receipt takes landed − value_received). A closed order
    (`closed_at` set) is never received again, so each short line's whole share is settled
    now by the order's shortage policy, like the shortage itself at close (§3):
    `redistribute` and the line has lots → all of it into the lots; otherwise the received
    units' part into the lots and the rest booked as a loss (`inventory.loss.accrued`,
    reason `shortage`, ref the charge). Either way the line's value_received ends equal to
    its landed value again."""
    from inventory.costing.late import apply_late_value  # the costing engine (§4a, §5)

    now = datetime.now(UTC)
    closed = order.get("closed_at") is not None
    by_id = {line["id"]: line for line in lines}
    values = []
    for cost in allocation.lines:
        line, share = by_id[cost.line_id], cost.shares[0].amount_base
        landed_value = line["landed_value"] + share
        if landed_value < 0:
            named = _named(lines, [cost.line_id])
            raise ChargeNotAllocatable(
                f"the charge would make the landed value of {_describe(named)} negative",
                error_code="negative_landed_value",
                lines=named,
            )
        values.append((line["id"], line["line_value_base"], landed_value))
        to_lots, lost = late_share_parts(
            share,
            line["qty_received"],
            line["qty_ordered"],
            closed=closed,
            redistribute=order.get("shortage_policy") == "redistribute",
        )
        if to_lots:
            await apply_late_value(
                tx,
                user_id=tenant,
                order_line_id=line["id"],
                value=to_lots,
                reason="late_charge",
                source_id=charge["id"],
                occurred_at=now,
            )
        if lost:
            loss = LossAccrued(
                loss_id=uuid7(),
                card_id=line["card_id"],
                reason="shortage",
                qty=line["qty_ordered"] - line["qty_received"],
                value=lost,
                occurred_at=now,
                ref_type="charge",
                ref_id=charge["id"],
            )
            event = new_event(
                LOSS_ACCRUED, loss.model_dump(mode="json"), user_id=tenant, source=SCHEMA
            )
            await outbox.add(tx, schema=SCHEMA, event=event)
        if to_lots or lost:
            await repository.update_line_received(
                tx,
                user_id=tenant,
                line_id=line["id"],
                qty_received=line["qty_received"],
                value_received=line["value_received"] + to_lots + lost,
            )
    await repository.set_line_values(tx, user_id=tenant, values=values)


def late_share_parts(
    share: Decimal, qty_received: int, qty_ordered: int, *, closed: bool, redistribute: bool
) -> tuple[Decimal, Decimal]:
    """`(into the lots, written off)` of a late share of a line.

    A complete line takes all of it into its lots. An open order's short line takes
    `round2(share × received / ordered)` into its lots and writes nothing off: the rest
    reaches the lots still to come through the line's landed value. A closed order's short
    line is settled now: all into its lots under `redistribute` when units arrived, else the
    received part into the lots and the rest written off."""
    if qty_received >= qty_ordered:
        return share, Decimal("0.00")
    received = round_money(share * qty_received / qty_ordered)
    if not closed:
        return received, Decimal("0.00")
    if redistribute and qty_received > 0:
        return share, Decimal("0.00")
    return received, share - received
