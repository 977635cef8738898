"""Event subject -> handler. Each handler translates the event and calls one service function."""

from __future__ import annotations

from uuid import UUID

from finance.card_copy import service as card_copy_service
from finance.events.consumed import (
    CARD_ARCHIVED,
    CARD_CREATED,
    CARD_UPDATED,
    COGS_ADJUSTED,
    COGS_ALLOCATED,
    FINANCE_OPERATION,
    LOSS_ACCRUED,
    POSTING_UPSERTED,
    CardArchived,
    CardCreated,
    CardSnapshot,
    CardUpdated,
    CogsAdjusted,
    CogsAllocated,
    FinanceOperation,
    LossAccrued,
    PostingUpserted,
)
from finance.intake import ozon_operations, ozon_postings
from finance.sale import cogs as sale_cogs
from mpflow_platform.db import Connection
from mpflow_platform.events import Envelope
from mpflow_platform.events.consumer import Handler


class MissingTenant(ValueError):
    """An event that must name its tenant did not."""


def tenant_of(event: Envelope) -> UUID:
    if event.user_id is None:
        raise MissingTenant(f"{event.type} must name its tenant (user_id)")
    return event.user_id


async def _copy(tx: Connection, event: Envelope, card: CardSnapshot) -> None:
    """Copy the card, then take again the Ozon data that waited for a card like it."""
    user_id = tenant_of(event)
    if await card_copy_service.upsert_card(tx, user_id=user_id, card=card):
        await ozon_postings.retry_parked(tx, user_id=user_id, card=card)


async def on_card_created(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardCreated.model_validate(event.data))


async def on_card_updated(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardUpdated.model_validate(event.data))


async def on_card_archived(tx: Connection, event: Envelope) -> None:
    await _copy(tx, event, CardArchived.model_validate(event.data))


async def on_cogs_allocated(tx: Connection, event: Envelope) -> None:
    await sale_cogs.apply_allocated(
        tx, user_id=tenant_of(event), event=CogsAllocated.model_validate(event.data)
    )


async def on_cogs_adjusted(tx: Connection, event: Envelope) -> None:
    await sale_cogs.apply_adjusted(
        tx, user_id=tenant_of(event), event=CogsAdjusted.model_validate(event.data)
    )


async def on_loss_accrued(tx: Connection, event: Envelope) -> None:
    await sale_cogs.apply_loss(
        tx, user_id=tenant_of(event), event=LossAccrued.model_validate(event.data)
    )


async def on_posting_upserted(tx: Connection, event: Envelope) -> None:
    await ozon_postings.take_posting(
        tx,
        user_id=tenant_of(event),
        posting=PostingUpserted.model_validate(event.data),
        seen_at=event.occurred_at,
    )


async def on_finance_operation(tx: Connection, event: Envelope) -> None:
    await ozon_operations.take_operation(
        tx,
        user_id=tenant_of(event),
        op=FinanceOperation.model_validate(event.data),
        seen_at=event.occurred_at,
    )


HANDLERS: dict[str, Handler] = {
    CARD_CREATED: on_card_created,
    CARD_UPDATED: on_card_updated,
    CARD_ARCHIVED: on_card_archived,
    COGS_ALLOCATED: on_cogs_allocated,
    COGS_ADJUSTED: on_cogs_adjusted,
    LOSS_ACCRUED: on_loss_accrued,
    POSTING_UPSERTED: on_posting_upserted,
    FINANCE_OPERATION: on_finance_operation,
}
