"""Use cases of master cards: one transaction each, events through the outbox."""

from __future__ import annotations

from uuid import UUID

from catalog.card import repository
from catalog.card.schemas import CardCreate, CardRead
from catalog.errors import CardNotFound, DuplicateSku
from catalog.events.published import CARD_CREATED, CardCreated
from mpflow_platform.db import Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.ids import uuid7

SCHEMA = "catalog"


async def create_card(*, pool: Pool, identity: Identity, data: CardCreate) -> CardRead:
    """Create a master card and announce it (`catalog.card.created`)."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        row = await repository.insert_card(
            tx, card_id=uuid7(), user_id=identity.user_id, sku=data.sku, title=data.title
        )
        if row is None:
            raise DuplicateSku(f"a card with SKU {data.sku!r} already exists; use another SKU")
        card = CardRead(**dict(row))
        payload = CardCreated(card_id=card.id, sku=card.sku, title=card.title, status=card.status)
        event = new_event(
            CARD_CREATED, payload.model_dump(mode="json"), user_id=identity.user_id, source=SCHEMA
        )
        await outbox.add(tx, schema=SCHEMA, event=event)
    return card


async def get_card(*, pool: Pool, identity: Identity, card_id: UUID) -> CardRead:
    """One card of the caller's tenant."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        row = await repository.get_card(tx, user_id=identity.user_id, card_id=card_id)
    if row is None:
        raise CardNotFound(f"no card {card_id}")
    return CardRead(**dict(row))


async def list_cards(*, pool: Pool, identity: Identity, page: PageQuery) -> Page[CardRead]:
    """A page of the caller's cards."""
    assert identity.user_id is not None
    async with transaction(pool, user_id=identity.user_id) as tx:
        rows, total = await repository.list_cards(tx, user_id=identity.user_id, page=page)
    return Page[CardRead](
        items=[CardRead(**dict(r)) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )
