"""Event subject -> handler. Each handler translates the event and calls one service function."""

from __future__ import annotations

from inventory.card_copy import service as card_copy_service
from inventory.events.consumed import (
    CARD_ARCHIVED,
    CARD_CREATED,
    CARD_UPDATED,
    CardArchived,
    CardCreated,
    CardSnapshot,
    CardUpdated,
)
from mpflow_platform.db import Connection
from mpflow_platform.events import Envelope
from mpflow_platform.events.consumer import Handler


async def _copy(tx: Connection, event: Envelope, card: CardSnapshot) -> None:
    assert event.user_id is not None, "catalog card events always name their tenant"
    await card_copy_service.upsert_card(tx=tx, user_id=event.user_id, card=card, event_id=event.id)


async def on_card_created(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardCreated.model_validate(event.data))


async def on_card_updated(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardUpdated.model_validate(event.data))


async def on_card_archived(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardArchived.model_validate(event.data))


HANDLERS: dict[str, Handler] = {
    CARD_CREATED: on_card_created,
    CARD_UPDATED: on_card_updated,
    CARD_ARCHIVED: on_card_archived,
}
