"""Event subject -> handler. Each handler translates the event and calls one service function."""

from __future__ import annotations

from uuid import UUID

from inventory.card_copy import service as card_copy_service
from inventory.costing import service as costing_service
from inventory.events.consumed import (
    CARD_ARCHIVED,
    CARD_CREATED,
    CARD_UPDATED,
    SALE_CANCELLED,
    SALE_RECORDED,
    SALE_RETURNED,
    CardArchived,
    CardCreated,
    CardSnapshot,
    CardUpdated,
    SaleCancelled,
    SaleRecorded,
    SaleReturned,
)
from mpflow_platform.db import Connection
from mpflow_platform.events import Envelope
from mpflow_platform.events.consumer import BatchHandler, Handler


async def _copy(tx: Connection, event: Envelope, card: CardSnapshot) -> None:
    assert event.user_id is not None, "catalog card events always name their tenant"
    await card_copy_service.upsert_card(tx=tx, user_id=event.user_id, card=card, event_id=event.id)


async def on_card_created(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardCreated.model_validate(event.data))


async def on_card_updated(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardUpdated.model_validate(event.data))


async def on_card_archived(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardArchived.model_validate(event.data))


def _tenant(event: Envelope) -> UUID:
    if event.user_id is None:
        raise costing_service.InvalidSaleEvent("sale events must name their tenant (user_id)")
    return event.user_id


async def on_sale_recorded(tx: Connection, event: Envelope) -> None:
    await costing_service.allocate_sale(tx, _tenant(event), SaleRecorded.model_validate(event.data))


async def on_sales_recorded(tx: Connection, events: list[Envelope]) -> None:
    """A batch of `mpflow.sales.sale.recorded` of one tenant (the consumer set it): one pass
    of `allocate_sales`; a single event goes through `allocate_sale` as before."""
    if len(events) == 1:
        await on_sale_recorded(tx, events[0])
        return
    user_id = _tenant(events[0])
    if any(e.user_id != user_id for e in events):  # the consumer groups by tenant
        raise RuntimeError("a batch of sale events must be of one tenant")
    await costing_service.allocate_sales(
        tx, user_id, [SaleRecorded.model_validate(e.data) for e in events]
    )


async def on_sale_cancelled(tx: Connection, event: Envelope) -> None:
    await costing_service.cancel_sale(tx, _tenant(event), SaleCancelled.model_validate(event.data))


async def on_sale_returned(tx: Connection, event: Envelope) -> None:
    await costing_service.return_sale(tx, _tenant(event), SaleReturned.model_validate(event.data))


#: Sales are costed in batches (up to `max_batch` consecutive sale events in one transaction,
#: see `mpflow_platform.events.consumer`), every other event one by one.
HANDLERS: dict[str, Handler] = {
    CARD_CREATED: on_card_created,
    CARD_UPDATED: on_card_updated,
    CARD_ARCHIVED: on_card_archived,
    SALE_RECORDED: BatchHandler(on_sales_recorded, max_batch=100),
    SALE_CANCELLED: on_sale_cancelled,
    SALE_RETURNED: on_sale_returned,
}
