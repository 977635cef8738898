"""Event subject -> handler. Each handler translates the event and calls one service function."""

from __future__ import annotations

from inventory.card_copy import service as card_copy_service
from inventory.events.consumed import CARD_CREATED, CardCreated
from mpflow_platform.db import Connection
from mpflow_platform.events import Envelope
from mpflow_platform.events.consumer import Handler


async def on_card_created(tx: Connection, event: Envelope) -> None:
    assert event.user_id is not None, "catalog.card.created always names its tenant"
    card = CardCreated.model_validate(event.data)
    await card_copy_service.upsert_card(
        tx=tx,
        user_id=event.user_id,
        card_id=card.card_id,
        sku=card.sku,
        title=card.title,
        status=card.status,
        event_id=event.id,
    )


HANDLERS: dict[str, Handler] = {
    CARD_CREATED: on_card_created,
}
