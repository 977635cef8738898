"""Marketplace data finance cannot take yet, kept whole with the reason (finance.intake_parked).

A posting whose products are not all linked to cards is parked rather than half-recorded;
an operator sees what waits and why, and a card with a matching Ozon SKU or offer id takes it
again (`ozon_postings.retry_parked`). Only the newest payload of a document is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from mpflow_platform.db import Connection

ParkedKind = Literal["ozon_posting"]


@dataclass(frozen=True)
class Parked:
    kind: ParkedKind
    key: str
    payload: dict[str, Any]
    seen_at: datetime


async def park(
    tx: Connection,
    *,
    user_id: UUID,
    kind: ParkedKind,
    key: str,
    payload: dict[str, Any],
    seen_at: datetime,
    reason: str,
    missing_skus: Sequence[int] = (),
    missing_offer_ids: Sequence[str] = (),
) -> None:
    """Park a document (or refresh its parked copy: a newer payload replaces an older one,
    the reason and what is missing are always refreshed, attempts count up)."""
    await tx.execute(
        """
        INSERT INTO finance.intake_parked (user_id, kind, key, payload, seen_at, reason,
                                           missing_skus, missing_offer_ids)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (user_id, kind, key) DO UPDATE
        SET payload = CASE WHEN EXCLUDED.seen_at >= finance.intake_parked.seen_at
                           THEN EXCLUDED.payload ELSE finance.intake_parked.payload END,
            seen_at = GREATEST(EXCLUDED.seen_at, finance.intake_parked.seen_at),
            reason = EXCLUDED.reason, missing_skus = EXCLUDED.missing_skus,
            missing_offer_ids = EXCLUDED.missing_offer_ids,
            attempts = finance.intake_parked.attempts + 1, updated_at = now()
        """,
        user_id,
        kind,
        key,
        payload,
        seen_at,
        reason,
        sorted(set(missing_skus)),
        sorted(set(missing_offer_ids)),
    )


async def unpark(tx: Connection, *, user_id: UUID, kind: ParkedKind, key: str) -> bool:
    """Drop a document taken at last; whether it was parked."""
    status: str = await tx.execute(
        "DELETE FROM finance.intake_parked WHERE user_id = $1 AND kind = $2 AND key = $3",
        user_id,
        kind,
        key,
    )
    return status != "DELETE 0"


async def newer_parked(
    tx: Connection, *, user_id: UUID, kind: ParkedKind, key: str, seen_at: datetime
) -> bool:
    """Whether a payload of the document newer than `seen_at` is parked (`seen_at`'s is stale)."""
    found = await tx.fetchval(
        "SELECT 1 FROM finance.intake_parked "
        "WHERE user_id = $1 AND kind = $2 AND key = $3 AND seen_at > $4",
        user_id,
        kind,
        key,
        seen_at,
    )
    return found is not None


async def waiting_for_card(
    tx: Connection,
    *,
    user_id: UUID,
    kind: ParkedKind,
    skus: Sequence[int],
    offer_ids: Sequence[str],
) -> list[Parked]:
    """Parked documents that miss one of these Ozon SKUs or offer ids (a card just linked
    them), oldest first."""
    if not skus and not offer_ids:
        return []
    rows = await tx.fetch(
        "SELECT kind, key, payload, seen_at FROM finance.intake_parked "
        "WHERE user_id = $1 AND kind = $2 "
        "AND (missing_skus && $3::bigint[] OR missing_offer_ids && $4::text[]) "
        "ORDER BY parked_at, key",
        user_id,
        kind,
        list(skus),
        list(offer_ids),
    )
    return [Parked(r["kind"], r["key"], r["payload"], r["seen_at"]) for r in rows]
