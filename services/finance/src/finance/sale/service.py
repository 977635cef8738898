"""Sale use cases inside the caller's transaction (DOMAIN.md §4, §5; docs/finance.md).

`record_sale`, `cancel_sale`, `find_sale_id`, `set_marketplace_status` and `read_sale` run in
a transaction the caller opened with the tenant set: the HTTP use cases (`api`) and the Ozon
intake both call them, so each operation has one implementation. Each write stores the sale
rows, its accruals (keys of docs/finance.md) and its `sales.sale.*` event (outbox) together.
Customer returns live in `returns`; the refusals in `errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.events.published import (
    DEFAULT_LOCATION,
    SALE_CANCELLED,
    SALE_RECORDED,
    SaleCancelled,
    SaleLine,
    SaleRecorded,
)
from finance.sale import model, queries, repository
from finance.sale.errors import SaleHasReturns, SaleNotFound, UnknownCard
from finance.sale.model import ZERO
from finance.sale.repository import LineRow
from finance.sale.schemas import NewSale, ReturnRead, SaleLineRead, SaleRead, SaleTotals
from mpflow_platform.db import Connection
from mpflow_platform.events import new_event, outbox
from mpflow_platform.ids import uuid7

SCHEMA = "finance"
SOURCE = "finance"


async def publish(tx: Connection, *, user_id: UUID, event_type: str, data: BaseModel) -> None:
    """Add a `sales.sale.*` event to the outbox, in the caller's transaction."""
    event = new_event(event_type, data.model_dump(mode="json"), user_id=user_id, source=SOURCE)
    await outbox.add(tx, schema=SCHEMA, event=event)


async def find_sale_id(
    tx: Connection, *, user_id: UUID, marketplace: str, external_id: str
) -> UUID | None:
    """The sale recorded for a marketplace's order id, if any."""
    return await repository.find_sale_id(
        tx, user_id=user_id, marketplace=marketplace, external_id=external_id
    )


async def check_cards(tx: Connection, *, user_id: UUID, card_ids: Sequence[UUID]) -> None:
    """Raise UnknownCard naming every line (`lines.<i>.card_id`) whose card finance lacks."""
    known = await repository.known_cards(tx, user_id=user_id, card_ids=card_ids)
    unknown = [i for i, card in enumerate(card_ids) if card not in known]
    if unknown:
        raise UnknownCard(
            "no such card: " + ", ".join(f"line {i} ({card_ids[i]})" for i in unknown),
            invalid_params=[
                {"name": f"lines.{i}.card_id", "reason": "no such card in the catalog"}
                for i in unknown
            ],
        )


def _line_rows(sale: NewSale) -> list[LineRow]:
    return [
        LineRow(
            id=uuid7(),
            line_no=no,
            card_id=line.card_id,
            qty=line.qty,
            location=line.location or DEFAULT_LOCATION[sale.marketplace],
            unit_price=line.unit_price,
            revenue=model.line_revenue(line.qty, line.unit_price),
            fees={kind: f"{amount:.2f}" for kind, amount in line.fees.items()},
            fees_total=model.fees_total(line.fees.values()),
            other_costs=line.other_costs,
        )
        for no, line in enumerate(sale.lines, start=1)
    ]


def _line_accruals(
    sale_id: UUID, line: LineRow, *, prefix: Literal["sale", "cancel"], at: datetime
) -> list[Accrual]:
    """A line's revenue, fees and other costs (`sale:`), or their reversal (`cancel:`)."""
    sign = 1 if prefix == "sale" else -1
    ids: dict[str, Any] = {"card_id": line.card_id, "sale_id": sale_id, "sale_line_id": line.id}
    key = f"{prefix}:{line.id}"
    rows = [
        Accrual(
            f"{key}:revenue", at, "revenue", sign * line.revenue, "sale", qty=sign * line.qty, **ids
        )
    ]
    for fee_type, amount in line.fees.items():
        rows.append(
            Accrual(
                f"{key}:fee:{fee_type}",
                at,
                "fee",
                -sign * Decimal(amount),
                "sale",
                fee_type=fee_type,  # type: ignore[arg-type]  # validated as FeeType on input
                **ids,
            )
        )
    rows.append(Accrual(f"{key}:other", at, "other_cost", -sign * line.other_costs, "sale", **ids))
    return rows


async def record_sale(
    tx: Connection,
    *,
    user_id: UUID,
    sale: NewSale,
    source: Literal["api", "ozon"],
    created_by: UUID | None = None,
) -> tuple[UUID, bool]:
    """Record a sale with its accruals and `sales.sale.recorded` (inventory costs it); the
    sale already recorded for (marketplace, external_id) is returned unchanged, also when a
    concurrent call records it first. A sale first seen cancelled is stored as cancelled,
    with no accruals and no event. Returns (sale id, whether it was created). Raises
    UnknownCard."""
    if sale.external_id is not None:
        found = await find_sale_id(
            tx, user_id=user_id, marketplace=sale.marketplace, external_id=sale.external_id
        )
        if found is not None:
            return found, False
    await check_cards(tx, user_id=user_id, card_ids=[line.card_id for line in sale.lines])
    sale_id, lines = uuid7(), _line_rows(sale)
    inserted = await repository.insert_sale(
        tx,
        values={
            "id": sale_id,
            "user_id": user_id,
            "marketplace": sale.marketplace,
            "external_id": sale.external_id,
            "occurred_at": sale.occurred_at,
            "status": "cancelled" if sale.cancelled else "active",
            "marketplace_status": sale.marketplace_status,
            "cogs_status": "cancelled" if sale.cancelled else "pending",
            "cancelled_at": sale.occurred_at if sale.cancelled else None,
            "note": sale.note,
            "source": source,
            "created_by": created_by,
        },
    )
    if not inserted:  # a concurrent call recorded the same external id first
        assert sale.external_id is not None
        found = await find_sale_id(
            tx, user_id=user_id, marketplace=sale.marketplace, external_id=sale.external_id
        )
        assert found is not None
        return found, False
    await repository.insert_lines(tx, user_id=user_id, sale_id=sale_id, lines=lines)
    if sale.cancelled:
        return sale_id, True
    accruals = [
        a for ln in lines for a in _line_accruals(sale_id, ln, prefix="sale", at=sale.occurred_at)
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleRecorded(
        sale_id=sale_id,
        marketplace=sale.marketplace,
        external_id=sale.external_id,
        occurred_at=sale.occurred_at,
        lines=[
            SaleLine.model_validate(
                {"line_id": ln.id, "card_id": ln.card_id, "qty": ln.qty, "location": ln.location}
            )
            for ln in lines
        ],
    )
    await publish(tx, user_id=user_id, event_type=SALE_RECORDED, data=event)
    return sale_id, True


async def lock_sale(tx: Connection, *, user_id: UUID, sale_id: UUID) -> dict[str, Any]:
    """The sale's row, locked until the transaction ends. Raises SaleNotFound."""
    sale = await repository.get_sale_for_update(tx, user_id=user_id, sale_id=sale_id)
    if sale is None:
        raise SaleNotFound(f"no sale {sale_id}")
    return sale


def _stored_line(row: dict[str, Any]) -> LineRow:
    return LineRow(
        id=row["id"],
        line_no=row["line_no"],
        card_id=row["card_id"],
        qty=row["qty"],
        location=row["location"],
        unit_price=ZERO,
        revenue=row["revenue"],
        fees=dict(row["fees"]),
        fees_total=ZERO,
        other_costs=row["other_costs"],
    )


async def cancel_sale(
    tx: Connection, *, user_id: UUID, sale_id: UUID, occurred_at: datetime
) -> bool:
    """Cancel a sale before delivery: reversal accruals dated `occurred_at` (revenue, fees
    and other costs back to 0) and `sales.sale.cancelled` (inventory puts the units back and
    reverses the COGS). Whether it changed anything (an already cancelled sale stays as it
    is). Raises SaleNotFound, SaleHasReturns."""
    sale = await lock_sale(tx, user_id=user_id, sale_id=sale_id)
    if sale["status"] == "cancelled":
        return False
    if await repository.has_returns(tx, user_id=user_id, sale_id=sale_id):
        raise SaleHasReturns(
            f"sale {sale_id} has customer returns, so it was delivered and cannot be "
            "cancelled; record a return for the remaining units instead"
        )
    lines = [
        _stored_line(r)
        for r in await repository.get_lines_for_update(tx, user_id=user_id, sale_id=sale_id)
    ]
    await repository.mark_cancelled(tx, user_id=user_id, sale_id=sale_id, occurred_at=occurred_at)
    accruals = [
        a for ln in lines for a in _line_accruals(sale_id, ln, prefix="cancel", at=occurred_at)
    ]
    await accrual_repository.add(tx, user_id=user_id, accruals=accruals)
    event = SaleCancelled(sale_id=sale_id, occurred_at=occurred_at)
    await publish(tx, user_id=user_id, event_type=SALE_CANCELLED, data=event)
    return True


async def set_marketplace_status(
    tx: Connection, *, user_id: UUID, sale_id: UUID, status: str
) -> None:
    """Store the marketplace's own status of the sale as last seen. Raises SaleNotFound."""
    if not await repository.set_marketplace_status(
        tx, user_id=user_id, sale_id=sale_id, status=status
    ):
        raise SaleNotFound(f"no sale {sale_id}")


async def read_sale(tx: Connection, *, user_id: UUID, sale_id: UUID) -> SaleRead:
    """One sale with lines (COGS, returns, profit), returns and totals. Raises SaleNotFound."""
    header = await queries.get_header(tx, user_id=user_id, sale_id=sale_id)
    if header is None:
        raise SaleNotFound(f"no sale {sale_id}")
    cancelled = header["status"] == "cancelled"
    lines = [
        SaleLineRead.model_validate(
            {
                **r,
                "fees": {k: Decimal(v) for k, v in r["fees"].items()},
                "cogs_status": model.cogs_status(
                    [model.LineCosting(r["costed"], r["qty_pending"])], cancelled=cancelled
                ),
            }
        )
        for r in await queries.get_lines(tx, user_id=user_id, sale_id=sale_id)
    ]
    returns = [
        ReturnRead.model_validate(r)
        for r in await queries.get_returns(tx, user_id=user_id, sale_id=sale_id)
    ]
    totals = SaleTotals.model_validate(
        await queries.get_totals(tx, user_id=user_id, sale_id=sale_id)
    )
    return SaleRead.model_validate({**header, "lines": lines, "returns": returns, "totals": totals})
