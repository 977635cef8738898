"""Ozon postings (`mpflow.ozon.posting.upserted`) as sales, once per posting number.

- A posting seen for the first time becomes a sale (`sale.service.record_sale`): one line per
  product, its card found by the product's Ozon SKU or offer id, unit price = Ozon's price,
  no fees (they come with the finance operations), units leaving from Ozon's warehouse (FBO)
  or the seller's (`home`, FBS). One first seen `cancelled` is stored cancelled, with nothing
  to book.
- A posting seen again follows its status: `cancelled` cancels the sale (a sale with returns
  was delivered: it is logged and kept), any status is stored as the marketplace status.
- Each of its returns is recorded once per Ozon return id (`sale.returns.return_sale`).
- A posting with a product no card is linked to is **parked** whole (`parked`), with the
  reason, and taken again when a card linking that SKU or offer id arrives: nothing is lost
  and nothing is half-recorded.

Republishing the same posting changes nothing: every step is idempotent.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal
from uuid import UUID

from finance.events.consumed import CardSnapshot, PostingReturn, PostingUpserted
from finance.events.published import Location
from finance.intake import ozon_operations, parked, repository
from finance.intake.repository import PostingSale
from finance.sale import repository as sale_repository
from finance.sale import returns as sale_returns
from finance.sale import service as sale_service
from finance.sale.errors import SaleHasReturns
from finance.sale.schemas import NewReturn, NewReturnLine, NewSale, NewSaleLine
from mpflow_platform.db import Connection
from mpflow_platform.money import round_money

log = logging.getLogger("finance.intake.ozon")

KIND: parked.ParkedKind = "ozon_posting"
CANCELLED = "cancelled"
LOCATION: dict[str, Location] = {"fbo": "marketplace:ozon", "fbs": "home"}
Outcome = Literal["recorded", "updated", "parked", "stale"]


def _new_sale(posting: PostingUpserted, cards: list[UUID]) -> NewSale:
    return NewSale(
        marketplace="ozon",
        external_id=posting.posting_number,
        occurred_at=posting.in_process_at,
        marketplace_status=posting.status,
        cancelled=posting.status == CANCELLED,
        note=f"Ozon {posting.scheme.upper()} posting {posting.posting_number}",
        lines=[
            NewSaleLine(
                card_id=card_id,
                qty=product.quantity,
                unit_price=round_money(product.price),
                location=LOCATION[posting.scheme],
            )
            for product, card_id in zip(posting.products, cards, strict=True)
        ],
    )


async def _park(
    tx: Connection,
    *,
    user_id: UUID,
    posting: PostingUpserted,
    seen_at: datetime,
    reason: str,
    missing: list[tuple[int, str]],
) -> Outcome:
    log.warning("ozon posting %s parked: %s", posting.posting_number, reason)
    await parked.park(
        tx,
        user_id=user_id,
        kind=KIND,
        key=posting.posting_number,
        payload=posting.model_dump(mode="json"),
        seen_at=seen_at,
        reason=reason,
        missing_skus=[sku for sku, _ in missing],
        missing_offer_ids=[offer_id for _, offer_id in missing],
    )
    return "parked"


def _unlinked(products: list[tuple[int, str]]) -> str:
    return ", ".join(f"SKU {sku} (offer {offer_id})" for sku, offer_id in products)


async def _follow_status(
    tx: Connection, *, user_id: UUID, sale: PostingSale, posting: PostingUpserted, at: datetime
) -> None:
    if posting.status == CANCELLED and sale.status != CANCELLED:
        try:
            await sale_service.cancel_sale(
                tx, user_id=user_id, sale_id=sale.sale_id, occurred_at=at
            )
        except SaleHasReturns:
            log.warning(
                "ozon posting %s is cancelled but its sale %s has returns: kept as it is",
                posting.posting_number,
                sale.sale_id,
            )
    await sale_service.set_marketplace_status(
        tx, user_id=user_id, sale_id=sale.sale_id, status=posting.status
    )


def _line_for(sale: PostingSale, card_id: UUID, qty: int) -> UUID | None:
    """The first line of the card with `qty` units not returned yet."""
    for line in sale.lines:
        if line.card_id == card_id and line.qty - line.qty_returned >= qty:
            return line.id
    return None


async def _take_return(
    tx: Connection,
    *,
    user_id: UUID,
    sale: PostingSale,
    posting: PostingUpserted,
    ret: PostingReturn,
) -> tuple[int, str] | None:
    """Record one Ozon return (once per return id); the product it could not map to a card."""
    if await sale_repository.find_return_id(
        tx, user_id=user_id, sale_id=sale.sale_id, external_id=ret.return_id
    ):
        return None
    [card_id] = await repository.cards_for_products(
        tx, user_id=user_id, products=[(ret.sku, ret.offer_id)]
    )
    if card_id is None:
        return (ret.sku, ret.offer_id)
    line_id = _line_for(sale, card_id, ret.quantity)
    if line_id is None:
        log.error(
            "ozon return %s of posting %s: no line of sale %s has %s units of SKU %s left to "
            "return; skipped",
            ret.return_id,
            posting.posting_number,
            sale.sale_id,
            ret.quantity,
            ret.sku,
        )
        return None
    await sale_returns.return_sale(
        tx,
        user_id=user_id,
        sale_id=sale.sale_id,
        ret=NewReturn(
            kind=ret.kind,
            location=LOCATION[posting.scheme],
            occurred_at=ret.returned_at,
            external_id=ret.return_id,
            lines=[NewReturnLine(line_id=line_id, qty=ret.quantity)],
        ),
    )
    return None


async def _take_returns(
    tx: Connection, *, user_id: UUID, posting: PostingUpserted
) -> list[tuple[int, str]]:
    """Record the posting's returns not recorded yet; the products no card is linked to."""
    sale = await repository.sale_of_posting(
        tx, user_id=user_id, posting_number=posting.posting_number
    )
    if sale is None or not posting.returns:
        return []
    if sale.status == CANCELLED:
        log.warning("ozon posting %s: returns of a cancelled sale ignored", posting.posting_number)
        return []
    missing = []
    for ret in posting.returns:
        unlinked = await _take_return(tx, user_id=user_id, sale=sale, posting=posting, ret=ret)
        if unlinked is not None:
            missing.append(unlinked)
        else:
            sale = (
                await repository.sale_of_posting(
                    tx, user_id=user_id, posting_number=posting.posting_number
                )
                or sale
            )
    return missing


async def take_posting(
    tx: Connection, *, user_id: UUID, posting: PostingUpserted, seen_at: datetime
) -> Outcome:
    """Record or update the sale of an Ozon posting as it is now (`seen_at`: when the producer
    created the event; a payload older than a parked one is stale). See the module docstring."""
    await repository.lock_posting(tx, user_id=user_id, posting_number=posting.posting_number)
    if await parked.newer_parked(
        tx, user_id=user_id, kind=KIND, key=posting.posting_number, seen_at=seen_at
    ):
        return "stale"
    sale = await repository.sale_of_posting(
        tx, user_id=user_id, posting_number=posting.posting_number
    )
    outcome: Outcome = "updated"
    if sale is None:
        products = [(p.sku, p.offer_id) for p in posting.products]
        cards = await repository.cards_for_products(tx, user_id=user_id, products=products)
        missing = [p for p, card_id in zip(products, cards, strict=True) if card_id is None]
        if missing:
            reason = f"no card is linked to {_unlinked(missing)}"
            return await _park(
                tx,
                user_id=user_id,
                posting=posting,
                seen_at=seen_at,
                reason=reason,
                missing=missing,
            )
        linked = [card_id for card_id in cards if card_id is not None]
        await sale_service.record_sale(
            tx, user_id=user_id, sale=_new_sale(posting, linked), source="ozon"
        )
        await ozon_operations.rebook_posting(
            tx, user_id=user_id, posting_number=posting.posting_number
        )
        outcome = "recorded"
    else:
        at = posting.status_changed_at or seen_at
        await _follow_status(tx, user_id=user_id, sale=sale, posting=posting, at=at)
    missing = await _take_returns(tx, user_id=user_id, posting=posting)
    if missing:
        reason = f"returns of products no card is linked to: {_unlinked(missing)}"
        return await _park(
            tx, user_id=user_id, posting=posting, seen_at=seen_at, reason=reason, missing=missing
        )
    await parked.unpark(tx, user_id=user_id, kind=KIND, key=posting.posting_number)
    return outcome


async def retry_parked(tx: Connection, *, user_id: UUID, card: CardSnapshot) -> int:
    """Take again the parked postings that wait for one of the card's Ozon SKUs or offer ids,
    and book again the operations whose items had no card; how many postings were recorded
    or updated."""
    links = [link for link in card.links if link.marketplace == "ozon"]
    skus = sorted({link.sku for link in links if link.sku is not None})
    offer_ids = sorted({link.offer_id for link in links if link.offer_id})
    taken = 0
    waiting = await parked.waiting_for_card(
        tx, user_id=user_id, kind=KIND, skus=skus, offer_ids=offer_ids
    )
    for doc in waiting:
        posting = PostingUpserted.model_validate(doc.payload)
        outcome = await take_posting(tx, user_id=user_id, posting=posting, seen_at=doc.seen_at)
        taken += outcome in ("recorded", "updated")
    await ozon_operations.rebook_for_skus(tx, user_id=user_id, skus=skus)
    return taken
