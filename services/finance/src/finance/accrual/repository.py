"""Writing accruals: once per source fact (`source_key`, unique per tenant).

`amount` is signed by its effect on profit: revenue and COGS reversals +, fees, other
costs, COGS, losses, expenses and tax −. Reports add them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args
from uuid import UUID

from mpflow_platform.db import Connection
from mpflow_platform.ids import uuid7

AccrualKind = Literal[
    "revenue",
    "refund",
    "fee",
    "other_cost",
    "cogs",
    "cogs_adjustment",
    "loss",
    "expense",
    "income",
    "tax",
]
#: Marketplace fee types (DOMAIN.md §7, §8), in the order reports show them.
FeeType = Literal[
    "commission",
    "logistics",
    "last_mile",
    "fulfillment",
    "dropoff",
    "acquiring",
    "returns",
    "marketing",
    "storage",
    "other",
]
FEE_TYPES: tuple[FeeType, ...] = get_args(FeeType)
ACCRUAL_KINDS: tuple[AccrualKind, ...] = get_args(AccrualKind)
AccrualSource = Literal["sale", "inventory", "ozon", "manual"]


@dataclass(frozen=True)
class Accrual:
    """One P&L entry to write. `source_key` names the fact it comes from (e.g.
    `sale:<line_id>:revenue`); writing the same key again changes nothing (`add`) or
    updates the row (`upsert`)."""

    source_key: str
    occurred_at: datetime
    kind: AccrualKind
    amount: Decimal
    source: AccrualSource
    fee_type: FeeType | None = None
    qty: int = 0
    card_id: UUID | None = None
    sale_id: UUID | None = None
    sale_line_id: UUID | None = None
    category: str | None = None
    description: str | None = None


_COLUMNS = (
    "id, user_id, occurred_at, kind, fee_type, amount, qty, card_id, sale_id, sale_line_id, "
    "category, source, source_key, description"
)
_UNNEST = (
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], "
    "$6::numeric[], $7::int[], $8::uuid[], $9::uuid[], $10::uuid[], $11::text[], $12::text[], "
    "$13::text[], $14::text[])"
)


def _args(user_id: UUID, rows: Sequence[Accrual]) -> list[list[object]]:
    return [
        [uuid7() for _ in rows],
        [user_id] * len(rows),
        [r.occurred_at for r in rows],
        [r.kind for r in rows],
        [r.fee_type for r in rows],
        [r.amount for r in rows],
        [r.qty for r in rows],
        [r.card_id for r in rows],
        [r.sale_id for r in rows],
        [r.sale_line_id for r in rows],
        [r.category for r in rows],
        [r.source for r in rows],
        [r.source_key for r in rows],
        [r.description for r in rows],
    ]


def _meaningful(rows: Sequence[Accrual]) -> list[Accrual]:
    """Rows that say something: a zero amount with no units is left out."""
    return [r for r in rows if r.amount != 0 or r.qty != 0]


async def add(
    tx: Connection, *, user_id: UUID, accruals: Sequence[Accrual], keep_empty: bool = False
) -> int:
    """Insert the accruals whose keys are new; keys already written are left as they are.
    Rows with no amount and no units are left out unless `keep_empty` (a fact whose key must
    be remembered even when it moved no money, e.g. a COGS fill at zero cost). Returns how
    many rows were inserted."""
    rows = list(accruals) if keep_empty else _meaningful(accruals)
    if not rows:
        return 0
    inserted = await tx.fetch(
        f"INSERT INTO finance.accruals ({_COLUMNS}) {_UNNEST} "
        "ON CONFLICT (user_id, source_key) DO NOTHING RETURNING id",
        *_args(user_id, rows),
    )
    return len(inserted)


async def upsert(tx: Connection, *, user_id: UUID, accruals: Sequence[Accrual]) -> int:
    """Insert or update by key: for facts that an external document restates (a re-synced
    marketplace operation, an edited manual transaction). Only rows whose content changed
    are written; returns how many were inserted or changed."""
    rows = list(accruals)
    if not rows:
        return 0
    written = await tx.fetch(
        f"INSERT INTO finance.accruals ({_COLUMNS}) {_UNNEST} "
        "ON CONFLICT (user_id, source_key) DO UPDATE SET "
        "occurred_at = EXCLUDED.occurred_at, kind = EXCLUDED.kind, "
        "fee_type = EXCLUDED.fee_type, amount = EXCLUDED.amount, qty = EXCLUDED.qty, "
        "card_id = EXCLUDED.card_id, sale_id = EXCLUDED.sale_id, "
        "sale_line_id = EXCLUDED.sale_line_id, category = EXCLUDED.category, "
        "description = EXCLUDED.description, updated_at = now() "
        "WHERE (finance.accruals.occurred_at, finance.accruals.kind, finance.accruals.fee_type,"
        " finance.accruals.amount, finance.accruals.qty, finance.accruals.card_id,"
        " finance.accruals.sale_id, finance.accruals.sale_line_id, finance.accruals.category,"
        " finance.accruals.description) IS DISTINCT FROM (EXCLUDED.occurred_at, EXCLUDED.kind,"
        " EXCLUDED.fee_type, EXCLUDED.amount, EXCLUDED.qty, EXCLUDED.card_id,"
        " EXCLUDED.sale_id, EXCLUDED.sale_line_id, EXCLUDED.category, EXCLUDED.description) "
        "RETURNING id",
        *_args(user_id, rows),
    )
    return len(written)


async def delete_keys(
    tx: Connection, *, user_id: UUID, prefix: str, keep: Sequence[str] = ()
) -> int:
    """Delete the rows whose key starts with `prefix` (a restated external document's old
    components, a deleted manual transaction's entry) except the keys in `keep`."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    status = await tx.execute(
        "DELETE FROM finance.accruals WHERE user_id = $1 AND source_key LIKE $2 "
        "AND NOT (source_key = ANY($3::text[]))",
        user_id,
        pattern,
        list(keep),
    )
    return int(status.split()[-1])
