"""Customer returns of a sale (DOMAIN.md §4, §5; docs/finance.md): which returns fit the
sale (`_checked_return`) and recording one inside the caller's transaction (`return_sale`,
called by the API's `api.create_return` and by the Ozon intake): the refunds (revenue back
pro rata, fees stay), the lines' returned units and `sales.sale.returned`, together.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.events.published import SALE_RETURNED, ReturnedLine, SaleReturned
from finance.sale import model, repository
from finance.sale.errors import InvalidReturn, SaleIsCancelled
from finance.sale.model import ZERO
from finance.sale.schemas import NewReturn
from finance.sale.service import lock_sale, publish
from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7


def _checked_return(
    ret: NewReturn, lines: dict[UUID, dict[str, Any]]
) -> list[tuple[UUID, int, Decimal]]:
    """`(line_id, qty, refund)` per returned line; raises InvalidReturn naming bad lines."""
    problems = []
    for i, item in enumerate(ret.lines):
        line = lines.get(item.line_id)
        if line is None:
            problems.append({"name": f"lines.{i}.line_id", "reason": "not a line of this sale"})
        elif item.qty > line["qty"] - line["qty_returned"]:
            left = line["qty"] - line["qty_returned"]
            problems.append(
                {
                    "name": f"lines.{i}.qty",
                    "reason": f"only {left} of the {line['qty']} units sold are not returned yet",
                }
            )
    if problems:
        raise InvalidReturn(
            "the return does not fit the sale: see invalid_params", invalid_params=problems
        )
    return [
        (
            item.line_id,
            item.qty,
            model.refund_for(
                qty=lines[item.line_id]["qty"],
                qty_returned=lines[item.line_id]["qty_returned"],
                revenue=lines[item.line_id]["revenue"],
                refunded=lines[item.line_id]["refunded"],
                q=item.qty,
            ),
        )
        for item in ret.lines
    ]


async def return_sale(
    tx: Connection, *, user_id: UUID, sale_id: UUID, ret: NewReturn
) -> tuple[UUID, bool]:
    """Record a customer return: refunds (revenue back, fees stay), the lines' returned
    units, and `sales.sale.returned` (inventory restocks or keeps the COGS of a defect).
    The return already recorded under `ret.external_id` is returned unchanged. Returns
    (return id, whether it was created). Raises SaleNotFound, SaleIsCancelled,
    InvalidReturn."""
    sale = await lock_sale(tx, user_id=user_id, sale_id=sale_id)
    if ret.external_id is not None:
        found = await repository.find_return_id(
            tx, user_id=user_id, sale_id=sale_id, external_id=ret.external_id
        )
        if found is not None:
            return found, False
    if sale["status"] == "cancelled":
        raise SaleIsCancelled(f"sale {sale_id} is cancelled: nothing of it can be returned")
    rows = await repository.get_lines_for_update(tx, user_id=user_id, sale_id=sale_id)
    lines = {r["id"]: r for r in rows}
    refunds = _checked_return(ret, lines)
    return_id = uuid7()
    location = ret.location or lines[ret.lines[0].line_id]["location"]
    await repository.insert_return(
        tx,
        values={
            "id": return_id,
            "user_id": user_id,
            "sale_id": sale_id,
            "kind": ret.kind,
            "location": location,
            "occurred_at": ret.occurred_at,
            "external_id": ret.external_id,
            "created_by": ret.created_by,
        },
    )
    await repository.insert_return_lines(tx, user_id=user_id, return_id=return_id, lines=refunds)
    accruals = [
        Accrual(
            f"return:{return_id}:{line_id}",
            ret.occurred_at,
            "refund",
            ZERO - refund,
            "sale",
            qty=qty,
            card_id=lines[line_id]["card_id"],
            sale_id=sale_id,
            sale_line_id=line_id,
        )
        for line_id, qty, refund in refunds
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleReturned(
        sale_id=sale_id,
        return_id=return_id,
        occurred_at=ret.occurred_at,
        kind=ret.kind,
        location=location,
        lines=[ReturnedLine(line_id=line_id, qty=qty) for line_id, qty, _ in refunds],
    )
    await publish(tx, user_id=user_id, event_type=SALE_RETURNED, data=event)
    return return_id, True
