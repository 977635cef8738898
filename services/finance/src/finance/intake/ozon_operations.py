"""Ozon finance operations (`mpflow.ozon.finance.operation`) as fee accruals (DOMAIN.md §8).

An operation is booked as its parts (`fee_map`): fees per SKU and type, account-level charges
without a card, compensations as income, under keys `ozon:op:<operation_id>:…`. Booking is a
restatement: the parts are upserted and keys the operation no longer has are deleted, so the
same operation received again changes nothing and a restated one updates in place.

The revenue of a sale (`accruals_for_sale`) is never booked from an operation: the posting's
sale carries it (the original system booked both and counted sales twice).

Operations are also kept in a register (finance.ozon_operations), so they are booked again
when what they refer to arrives later: the posting's sale (prices for the commission split,
the sale and line links) or a card linked to an SKU that had none.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from finance.accrual import repository as accrual_repository
from finance.accrual.repository import Accrual
from finance.events.consumed import FinanceOperation
from finance.intake import fee_map, repository
from finance.intake.fee_map import Part
from finance.intake.repository import PostingSale
from mpflow_platform.db import Connection


def key_prefix(operation_id: int) -> str:
    """The prefix of every accrual key of one operation."""
    return f"ozon:op:{operation_id}:"


def _key(operation_id: int, part: Part) -> str:
    where = "account" if part.sku is None else f"sku:{part.sku}"
    return f"{key_prefix(operation_id)}{where}:{part.fee_type or 'income'}"


def _description(op: FinanceOperation, part: Part, card_id: UUID | None) -> str:
    text = f"Ozon {op.operation_type} #{op.operation_id}: {', '.join(part.labels)}"
    if op.posting_number:
        text += f"; posting {op.posting_number}"
    if part.sku is not None:
        text += f"; SKU {part.sku}" + ("" if card_id else " (no card linked)")
    return text


def _prices(
    sale: PostingSale | None, cards: dict[int, UUID | None]
) -> tuple[dict[int, Decimal], dict[int, UUID]]:
    """Unit price and sale line per SKU, from the posting's sale where one of its lines has
    the SKU's card."""
    prices: dict[int, Decimal] = {}
    lines: dict[int, UUID] = {}
    if sale is None:
        return prices, lines
    for sku, card_id in cards.items():
        line = next(
            (ln for ln in sale.lines if card_id is not None and ln.card_id == card_id), None
        )
        if line is not None:
            prices[sku], lines[sku] = line.unit_price, line.id
    return prices, lines


async def book(tx: Connection, *, user_id: UUID, op: FinanceOperation) -> list[int]:
    """Write the operation's accruals as it is now (see the module docstring); the item SKUs
    no card is linked to."""
    posting = op.posting_number or None
    sale = (
        await repository.sale_of_posting(tx, user_id=user_id, posting_number=posting)
        if posting
        else None
    )
    units = fee_map.units_of([item.sku for item in op.items])
    found = await repository.cards_for_products(
        tx, user_id=user_id, products=[(sku, None) for sku in units]
    )
    cards = dict(zip(units, found, strict=True))
    prices, lines = _prices(sale, cards)
    charges = fee_map.charges(
        operation_type=op.operation_type,
        amount=op.amount,
        accruals_for_sale=op.accruals_for_sale,
        sale_commission=op.sale_commission,
        delivery_charge=op.delivery_charge,
        return_delivery_charge=op.return_delivery_charge,
        services=[(s.name, s.price) for s in op.services],
    )
    accruals = [
        Accrual(
            _key(op.operation_id, part),
            op.operation_date,
            part.kind,
            part.amount,
            "ozon",
            fee_type=part.fee_type,
            card_id=cards.get(part.sku) if part.sku is not None else None,
            sale_id=sale.sale_id if sale else None,
            sale_line_id=lines.get(part.sku) if part.sku is not None else None,
            category="other_income" if part.kind == "income" else None,
            description=_description(op, part, cards.get(part.sku) if part.sku else None),
        )
        for part in fee_map.parts(charges, units=units, prices=prices)
        if part.amount != 0
    ]
    await accrual_repository.upsert(tx, user_id=user_id, accruals=accruals)
    await accrual_repository.delete_keys(
        tx,
        user_id=user_id,
        prefix=key_prefix(op.operation_id),
        keep=[a.source_key for a in accruals],
    )
    return [sku for sku, card_id in cards.items() if card_id is None]


async def take_operation(
    tx: Connection, *, user_id: UUID, op: FinanceOperation, seen_at: datetime
) -> bool:
    """Register and book an Ozon finance operation as received (`seen_at`: when the producer
    created the event). One older than the copy held changes nothing. Whether it was booked."""
    if op.posting_number:
        await repository.lock_posting(tx, user_id=user_id, posting_number=op.posting_number)
    registered = await repository.register_operation(
        tx,
        user_id=user_id,
        operation_id=op.operation_id,
        operation_type=op.operation_type,
        operation_date=op.operation_date,
        posting_number=op.posting_number or None,
        amount=op.amount,
        payload=op.model_dump(mode="json"),
        seen_at=seen_at,
    )
    if not registered:
        return False
    await _book_registered(tx, user_id=user_id, op=op)
    return True


async def _book_registered(tx: Connection, *, user_id: UUID, op: FinanceOperation) -> None:
    unmatched = await book(tx, user_id=user_id, op=op)
    await repository.set_unmatched_skus(
        tx, user_id=user_id, operation_id=op.operation_id, skus=unmatched
    )


async def rebook_posting(tx: Connection, *, user_id: UUID, posting_number: str) -> int:
    """Book a posting's registered operations again (its sale was just recorded: price
    shares and sale links are known now); how many."""
    payloads = await repository.operations_of_posting(
        tx, user_id=user_id, posting_number=posting_number
    )
    for payload in payloads:
        await _book_registered(tx, user_id=user_id, op=FinanceOperation.model_validate(payload))
    return len(payloads)


async def rebook_for_skus(tx: Connection, *, user_id: UUID, skus: list[int]) -> int:
    """Book again the registered operations with items of these Ozon SKUs that had no card
    (a card now links them); how many."""
    payloads = await repository.operations_with_unmatched(tx, user_id=user_id, skus=skus)
    for payload in payloads:
        await _book_registered(tx, user_id=user_id, op=FinanceOperation.model_validate(payload))
    return len(payloads)
