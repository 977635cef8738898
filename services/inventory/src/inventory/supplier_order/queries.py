"""Read models of supplier orders: an order with its lines, charges and totals, and the
explain view of its allocation, built from stored rows (no computation of landed cost)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from inventory.errors import SupplierOrderNotFound
from inventory.supplier_order import model, repository
from inventory.supplier_order.schemas import (
    AllocationRead,
    ChargeRead,
    ExplainCharge,
    ExplainLine,
    ExplainShare,
    LineRead,
    OrderRead,
    OrderTotals,
)
from mpflow_platform.db import Connection

ZERO = Decimal("0.00")


async def order_row(
    tx: Connection, tenant: UUID, order_id: UUID, *, lock: bool = False
) -> dict[str, Any]:
    row = await repository.get_order(tx, user_id=tenant, order_id=order_id, lock=lock)
    if row is None:
        raise SupplierOrderNotFound(f"no supplier order {order_id}")
    return row


def _line_read(row: dict[str, Any]) -> LineRead:
    return LineRead.model_validate(
        {
            **row,
            "line_value": row["qty_ordered"] * row["unit_price"],
            "landed_unit_cost": model.landed_unit_cost(row["landed_value"], row["qty_ordered"]),
        }
    )


def charge_read(row: dict[str, Any]) -> ChargeRead:
    return ChargeRead.model_validate(row)


def _totals(lines: Sequence[dict[str, Any]], charges: Sequence[dict[str, Any]]) -> OrderTotals:
    return OrderTotals(
        qty_ordered=sum(line["qty_ordered"] for line in lines),
        qty_received=sum(line["qty_received"] for line in lines),
        goods_value=sum((line["qty_ordered"] * line["unit_price"] for line in lines), ZERO),
        goods_value_base=sum((line["line_value_base"] for line in lines), ZERO),
        charges_base=sum((charge["amount_base"] for charge in charges), ZERO),
        landed_value=sum((line["landed_value"] for line in lines), ZERO),
    )


async def read_order(tx: Connection, tenant: UUID, order_id: UUID) -> OrderRead:
    order = await order_row(tx, tenant, order_id)
    lines = await repository.get_lines(tx, user_id=tenant, order_id=order_id)
    charges = await repository.get_charges(tx, user_id=tenant, order_id=order_id)
    return OrderRead.model_validate(
        {
            **order,
            "base_currency": model.BASE_CURRENCY,
            "lines": [_line_read(line) for line in lines],
            "charges": [charge_read(charge) for charge in charges],
            "totals": _totals(lines, charges),
        }
    )


async def explain(tx: Connection, tenant: UUID, order_id: UUID) -> AllocationRead:
    """The stored allocation: per line each charge's basis and share, per charge the total
    and its basis total, and the resulting landed unit costs."""
    order = await order_row(tx, tenant, order_id)
    lines = await repository.get_lines(tx, user_id=tenant, order_id=order_id)
    charges = await repository.get_charges(tx, user_id=tenant, order_id=order_id)
    shares = await repository.get_allocations(tx, user_id=tenant, order_id=order_id)
    by_pair = {(s["charge_id"], s["line_id"]): s for s in shares}
    explain_lines = []
    for line in lines:
        line_shares = [
            ExplainShare(
                charge_id=charge["id"],
                kind=charge["kind"],
                method=charge["method"],
                basis=by_pair[(charge["id"], line["id"])]["basis"],
                amount_base=by_pair[(charge["id"], line["id"])]["amount_base"],
            )
            for charge in charges
            if (charge["id"], line["id"]) in by_pair
        ]
        explain_lines.append(
            ExplainLine.model_validate(
                {
                    **line,
                    "line_id": line["id"],
                    "shares": line_shares,
                    "charges_base": sum((s.amount_base for s in line_shares), ZERO),
                    "landed_unit_cost": model.landed_unit_cost(
                        line["landed_value"], line["qty_ordered"]
                    ),
                }
            )
        )
    explain_charges = [
        ExplainCharge.model_validate(
            {
                **charge,
                "charge_id": charge["id"],
                "basis_total": sum(
                    (s["basis"] for s in shares if s["charge_id"] == charge["id"]), Decimal(0)
                ),
            }
        )
        for charge in charges
    ]
    return AllocationRead(
        order_id=order["id"],
        number=order["number"],
        currency=order["currency"],
        fx_rate=order["fx_rate"],
        base_currency=model.BASE_CURRENCY,
        lines=explain_lines,
        charges=explain_charges,
        totals=_totals(lines, charges),
    )
