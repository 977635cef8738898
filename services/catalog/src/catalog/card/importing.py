"""Use cases of master cards as files: import a CSV or XLSX (upsert by SKU, answered with a
report per row) and export the filtered list as CSV.

Import, in one transaction per file (so the report is exact and a failure leaves nothing
half-imported):
1. The file is read into rows (`transfer`); a file that is no table is a 422, and nothing
   is written. Every row is then judged on its own: a bad row never stops the others.
2. A tenant-wide advisory lock serialises imports of one tenant; the cards of the file's
   SKUs are fetched (and locked) in chunks.
3. A row whose SKU exists updates that card with the row's non-blank cells (blank = keep;
   `attributes` merge). Rows that would change nothing are `unchanged` without touching the
   database. Rows that change the card's links go through `service.change_card` one by one,
   each in a savepoint, so that a conflict (an Ozon offer id linked to another card) is that
   row's error only. The other updates are written CHUNK at a time by one UPDATE each
   (`after_update` computes what `change_card` would set), with the same events.
4. Rows with new SKUs are created after the updates, CHUNK at a time by one multi-row
   INSERT each (cards, links, outbox events with the `CardSnapshot` a single create
   publishes).
5. A bulk statement runs in a savepoint; when the database refuses it (a link already taken,
   two rows of the file wanting one offer id), the savepoint is rolled back and that
   chunk's rows go one by one through the service, which finds the failing row(s).
6. A dry run does all of this and rolls the transaction back: the report is exact
   (conflicts included) and nothing, no event either, is written.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from catalog.card import repository, service, transfer
from catalog.card.repository import CardFilter
from catalog.card.schemas import CardCreate, CardRead, CardUpdate
from catalog.events.published import CARD_ARCHIVED, CARD_CREATED, CARD_UPDATED
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import Envelope, new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import PageQuery
from mpflow_platform.http.problems import ProblemError, Unprocessable
from mpflow_platform.ids import uuid7

SCHEMA = "catalog"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
LOOKUP_CHUNK = 1000
#: Rows written by one bulk statement.
CHUNK = 1000
EXPORT_BATCH = 500
#: False makes every row go through `service.insert_card` / `service.change_card` one by one
#: (to compare in bench/).
BULK_WRITE = True
_SKU_RE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")


class FileTooLarge(ProblemError):
    status, error_code = 413, "file_too_large"


class UnreadableFile(Unprocessable):
    error_code = "unreadable_file"


class UnsupportedFileType(ProblemError):
    status, error_code = 415, "unsupported_media_type"


RowResult = Literal["created", "updated", "unchanged", "error"]


class RowError(BaseModel):
    field: str = Field(description="the column (English name), or `row`")
    message: str


class RowReport(BaseModel):
    row: int = Field(description="line (CSV) or row (XLSX) in the file; the header is 1")
    sku: str | None
    result: RowResult
    errors: list[RowError] = Field(default_factory=list)


class Totals(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error: int = 0


class ImportReport(BaseModel):
    dry_run: bool
    totals: Totals
    ignored_columns: list[str] = Field(
        description="header cells naming no known column (their cells were not imported)"
    )
    rows: list[RowReport]


class _DryRun(Exception):
    """Leaves the import's transaction, rolling it back."""


@dataclass
class _New:
    index: int
    card: CardCreate
    archived: bool


@dataclass
class _Change:
    index: int
    row: dict[str, Any]
    card: CardRead
    update: CardUpdate


def _tenant(identity: Identity) -> UUID:
    assert identity.user_id is not None, "the platform refuses anonymous calls to cards"
    return identity.user_id


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _errors(items: Sequence[transfer.FieldError]) -> list[RowError]:
    return [RowError(field=e.field, message=e.message) for e in items]


async def import_cards(
    *,
    pool: Pool,
    identity: Identity,
    data: bytes,
    filename: str | None = None,
    content_type: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update the tenant's cards from a CSV or XLSX file; the report has one entry
    per non-blank data row, in file order."""
    tenant = _tenant(identity)
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(f"the file has more than {MAX_FILE_BYTES // 2**20} MB: split it")
    try:
        # Parsing 10 MB of CSV or XLSX is seconds of CPU: off the event loop.
        table = await asyncio.to_thread(
            transfer.read_table,
            data,
            filename=filename,
            content_type=content_type,
            max_rows=MAX_ROWS,
        )
    except transfer.FileError as exc:
        raise UnreadableFile(f"cannot import this file: {exc}") from exc
    reports = [
        RowReport(row=row.number, sku=transfer.row_sku(row), result="error") for row in table.rows
    ]
    keyed = _first_occurrences(table.rows, reports)
    try:
        async with transaction(pool, user_id=tenant) as tx:
            await tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"catalog.import:{tenant}"
            )
            await _apply(tx, tenant, table.rows, keyed, reports)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    totals = Totals()
    for report in reports:
        setattr(totals, report.result, getattr(totals, report.result) + 1)
    return ImportReport(
        dry_run=dry_run,
        totals=totals,
        ignored_columns=list(table.ignored_columns),
        rows=reports,
    )


def _first_occurrences(rows: list[transfer.Row], reports: list[RowReport]) -> dict[str, int]:
    """Index of the row each SKU is imported from; later rows with it become errors."""
    first: dict[str, int] = {}
    for index in range(len(rows)):
        sku = reports[index].sku
        if sku is None:
            reports[index].errors.append(RowError(field="sku", message="required"))
        elif sku in first:
            reports[index].errors.append(
                RowError(
                    field="sku",
                    message=f"SKU {sku!r} is also on row {rows[first[sku]].number}; "
                    "a file may hold each SKU once",
                )
            )
        else:
            first[sku] = index
    return first


async def _apply(
    tx: Connection,
    tenant: UUID,
    rows: list[transfer.Row],
    keyed: dict[str, int],
    reports: list[RowReport],
) -> None:
    existing = await _existing(tx, tenant, [s for s in keyed if _SKU_RE.match(s)])
    changes: list[_Change] = []
    news: list[_New] = []
    for sku, index in keyed.items():
        found = existing.get(sku)
        if found is not None:
            row, card = found
            update, problems = transfer.to_update(rows[index], card)
            if update is None:
                reports[index].errors.extend(_errors(problems))
            elif transfer.would_change(card, update):
                changes.append(_Change(index, row, card, update))
            else:
                reports[index].result = "unchanged"
        else:
            create, status, problems = transfer.to_create(rows[index])
            if create is None:
                reports[index].errors.extend(_errors(problems))
            else:
                news.append(_New(index, create, archived=status == "archived"))
    relinked = [c for c in changes if transfer.changes_links(c.card, c.update)]
    for change in relinked:
        reports[change.index] = await _update_one(tx, tenant, change, reports[change.index])
    plain = [c for c in changes if not transfer.changes_links(c.card, c.update)]
    for batch in _chunks(plain, CHUNK):
        await _update_chunk(tx, tenant, batch, reports)
    for chunk in _chunks(news, CHUNK):
        await _create_chunk(tx, tenant, chunk, reports)


async def _existing(
    tx: Connection, tenant: UUID, skus: list[str]
) -> dict[str, tuple[dict[str, Any], CardRead]]:
    """The tenant's cards with these SKUs, locked: their rows and API shapes, by SKU."""
    found: dict[str, tuple[dict[str, Any], CardRead]] = {}
    for chunk in _chunks(skus, LOOKUP_CHUNK):
        rows = await repository.get_cards_by_sku(tx, user_id=tenant, skus=chunk, lock=True)
        links = await repository.links_of(
            tx, user_id=tenant, card_ids=[r["id"] for r in rows.values()]
        )
        for sku, row in rows.items():
            found[sku] = (row, service.card_read(row, links[row["id"]]))
    return found


_LINK_FIELD_RE = re.compile(r"marketplace (offer_id|product_id|sku)\b")


def _conflict(exc: Exception) -> list[RowError]:
    """A row's error for what the database or the service refused."""
    if isinstance(exc, ProblemError):
        match = _LINK_FIELD_RE.search(exc.detail)
        field = (
            f"ozon_{match.group(1)}"
            if match
            else "sku"
            if exc.error_code == "duplicate_sku"
            else "row"
        )
        return [RowError(field=field, message=exc.detail)]
    return [RowError(field="row", message=f"refused by the database: {exc}")]


_REFUSED = (ProblemError, asyncpg.IntegrityConstraintViolationError, asyncpg.DataError)


async def _update_one(
    tx: Connection, tenant: UUID, change: _Change, report: RowReport
) -> RowReport:
    try:
        async with tx.transaction():
            result = await service.change_card(tx, tenant, change.row, change.update)
    except _REFUSED as exc:
        return report.model_copy(update={"result": "error", "errors": _conflict(exc)})
    return report.model_copy(update={"result": "updated" if result.changed else "unchanged"})


async def _update_chunk(
    tx: Connection, tenant: UUID, chunk: Sequence[_Change], reports: list[RowReport]
) -> None:
    """Apply updates that leave the links alone with one statement; should the database
    refuse any, apply the chunk's updates one by one to find which."""
    if BULK_WRITE:
        try:
            async with tx.transaction():
                await _update_many(tx, tenant, chunk)
        except (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError):
            pass
        else:
            for change in chunk:
                reports[change.index].result = "updated"
            return
    for change in chunk:
        reports[change.index] = await _update_one(tx, tenant, change, reports[change.index])


async def _create_chunk(
    tx: Connection, tenant: UUID, chunk: Sequence[_New], reports: list[RowReport]
) -> None:
    simple = [n for n in chunk if BULK_WRITE and not n.archived]
    one_by_one = [n for n in chunk if not BULK_WRITE or n.archived]
    if simple:
        try:
            async with tx.transaction():
                created = await _insert_many(tx, tenant, simple)
        except (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError):
            one_by_one = list(chunk)
        else:
            for new in simple:
                if new.card.sku in created:
                    reports[new.index].result = "created"
                else:
                    reports[new.index].errors.append(_sku_taken(new.card.sku))
    for new in sorted(one_by_one, key=lambda n: n.index):
        await _create_one(tx, tenant, new, reports[new.index])


def _sku_taken(sku: str) -> RowError:
    return RowError(
        field="sku", message=f"a card with SKU {sku!r} was created meanwhile; import again"
    )


async def _create_one(tx: Connection, tenant: UUID, new: _New, report: RowReport) -> None:
    try:
        async with tx.transaction():
            card = await service.insert_card(tx, tenant, new.card)
            if card is not None and new.archived:
                row = await repository.get_card(tx, user_id=tenant, card_id=card.id, lock=True)
                assert row is not None
                await service.change_card(tx, tenant, row, CardUpdate(status="archived"))
    except _REFUSED as exc:
        report.errors.extend(_conflict(exc))
        return
    if card is None:
        report.errors.append(_sku_taken(new.card.sku))
    else:
        report.result = "created"


_INSERT_CARDS = f"""
INSERT INTO catalog.master_cards (
    id, user_id, sku, title, description, brand, status, barcodes, length_mm, width_mm,
    height_mm, weight_g, attributes, purchase_price, purchase_currency)
SELECT c.id, $1, c.sku, c.title, c.description, c.brand, c.status,
       string_to_array(c.barcodes, ';'), c.length_mm, c.width_mm, c.height_mm, c.weight_g,
       c.attributes::jsonb, c.purchase_price, c.purchase_currency
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::int[], $10::int[], $11::int[], $12::int[], $13::text[],
            $14::numeric[], $15::text[])
     WITH ORDINALITY AS c(id, sku, title, description, brand, status, barcodes, length_mm,
                          width_mm, height_mm, weight_g, attributes, purchase_price,
                          purchase_currency, n)
ORDER BY c.n
ON CONFLICT (user_id, sku) DO NOTHING
RETURNING {repository.CARD_COLUMNS}
"""
_INSERT_LINKS = """
INSERT INTO catalog.marketplace_links (id, user_id, card_id, marketplace, offer_id, product_id, sku)
SELECT l.id, $1, l.card_id, l.marketplace, l.offer_id, l.product_id, l.sku
FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
     AS l(id, card_id, marketplace, offer_id, product_id, sku)
"""
_INSERT_OUTBOX = (
    f"INSERT INTO {SCHEMA}.outbox (id, subject, payload, user_id) VALUES ($1, $2, $3, $4)"
)


async def _insert_many(tx: Connection, tenant: UUID, news: Sequence[_New]) -> set[str]:
    """Create the cards with one statement per table; the SKUs created (a SKU that another
    transaction took meanwhile is skipped). Raises on a link conflict."""
    cards = [n.card for n in news]
    ids = [uuid7() for _ in cards]
    rows = await tx.fetch(
        _INSERT_CARDS,
        tenant,
        ids,
        [c.sku for c in cards],
        [c.title for c in cards],
        [c.description for c in cards],
        [c.brand for c in cards],
        [c.status for c in cards],
        [";".join(c.barcodes) for c in cards],
        [c.dimensions.length_mm if c.dimensions else None for c in cards],
        [c.dimensions.width_mm if c.dimensions else None for c in cards],
        [c.dimensions.height_mm if c.dimensions else None for c in cards],
        [c.weight_g for c in cards],
        [json.dumps(c.attributes) for c in cards],
        [c.purchase_price.amount if c.purchase_price else None for c in cards],
        [c.purchase_price.currency if c.purchase_price else None for c in cards],
    )
    by_sku = {r["sku"]: dict(r) for r in rows}
    links = [
        (uuid7(), by_sku[c.sku]["id"], link) for c in cards if c.sku in by_sku for link in c.links
    ]
    if links:
        await tx.execute(
            _INSERT_LINKS,
            tenant,
            [i for i, _, _ in links],
            [card_id for _, card_id, _ in links],
            [link.marketplace for _, _, link in links],
            [link.offer_id for _, _, link in links],
            [link.product_id for _, _, link in links],
            [link.sku for _, _, link in links],
        )
    created = [by_sku[c.sku] for c in cards if c.sku in by_sku]
    stored_links = await repository.links_of(
        tx, user_id=tenant, card_ids=[r["id"] for r in created]
    )
    events = [
        new_event(
            CARD_CREATED,
            service.snapshot(service.card_read(row, stored_links[row["id"]])),
            user_id=tenant,
            source=SCHEMA,
        )
        for row in created
    ]
    await _add_events(tx, events)
    return set(by_sku)


#: The columns a bulk update sets (every one, to its value after the row's change): all
#: an update may set but the SKU, which is how an import finds the card.
_SET_COLUMNS = tuple(name for name in repository.UPDATABLE if name != "sku")
_RETURNING = ", ".join(f"m.{name.strip()}" for name in repository.CARD_COLUMNS.split(","))
_UPDATE_CARDS = f"""
UPDATE catalog.master_cards AS m
SET title = c.title, description = c.description, brand = c.brand, status = c.status,
    barcodes = string_to_array(c.barcodes, ';'), length_mm = c.length_mm,
    width_mm = c.width_mm, height_mm = c.height_mm, weight_g = c.weight_g,
    attributes = c.attributes::jsonb, purchase_price = c.purchase_price,
    purchase_currency = c.purchase_currency, archived_at = c.archived_at,
    version = m.version + 1, updated_at = now()
FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::int[], $9::int[], $10::int[], $11::int[], $12::text[], $13::numeric[],
            $14::text[], $15::timestamptz[])
     AS c(id, title, description, brand, status, barcodes, length_mm, width_mm, height_mm,
          weight_g, attributes, purchase_price, purchase_currency, archived_at)
WHERE m.user_id = $1 AND m.id = c.id
RETURNING {_RETURNING}
"""


def after_update(row: dict[str, Any], update: CardUpdate, now: datetime) -> dict[str, Any]:
    """The card's columns (_SET_COLUMNS) after `update`, exactly as `service.change_card`
    sets them."""
    after = {name: row[name] for name in _SET_COLUMNS}
    after.update(service.changed_columns(row, update, now))
    return after


async def _update_many(tx: Connection, tenant: UUID, chunk: Sequence[_Change]) -> None:
    """Update the cards with one statement and announce each as `change_card` would."""
    now = datetime.now(UTC)
    afters = [after_update(c.row, c.update, now) for c in chunk]
    rows = await tx.fetch(
        _UPDATE_CARDS,
        tenant,
        [c.row["id"] for c in chunk],
        *(
            [
                ";".join(a[name])
                if name == "barcodes"
                else json.dumps(a[name])
                if name == "attributes"
                else a[name]
                for a in afters
            ]
            for name in _SET_COLUMNS
        ),
    )
    by_id = {r["id"]: dict(r) for r in rows}
    events = []
    for change in chunk:
        after = by_id[change.row["id"]]
        archived = after["status"] == "archived" and change.row["status"] != "archived"
        card = service.card_read(after, [link.model_dump() for link in change.card.links])
        events.append(
            new_event(
                CARD_ARCHIVED if archived else CARD_UPDATED,
                service.snapshot(card),
                user_id=tenant,
                source=SCHEMA,
            )
        )
    await _add_events(tx, events)


async def _add_events(tx: Connection, events: Sequence[Envelope]) -> None:
    """`outbox.add` for many events: one round trip, one wake-up of the relay."""
    if not events:
        return
    await tx.executemany(
        _INSERT_OUTBOX,
        [(e.id, e.subject, e.model_dump(mode="json"), e.user_id) for e in events],
    )
    await tx.execute("SELECT pg_notify($1, '')", outbox.notify_channel(SCHEMA))


# --- export --------------------------------------------------------------------------------


async def export_csv(
    *, pool: Pool, identity: Identity, page: PageQuery, where: CardFilter, delimiter: str = ","
) -> AsyncIterator[str]:
    """The tenant's matching cards as CSV text, in pieces: a UTF-8 byte-order mark (so that
    Excel reads Cyrillic), the header, then EXPORT_BATCH cards at a time, read through a
    server-side cursor in one transaction."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        yield "\ufeff" + transfer.csv_header(delimiter=delimiter)
        cursor = await repository.stream_cards(tx, user_id=tenant, page=page, where=where)
        batch: list[dict[str, Any]] = []
        async for record in cursor:
            batch.append(dict(record))
            if len(batch) == EXPORT_BATCH:
                yield await _export_lines(tx, tenant, batch, delimiter)
                batch = []
        if batch:
            yield await _export_lines(tx, tenant, batch, delimiter)


async def _export_lines(
    tx: Connection, tenant: UUID, rows: list[dict[str, Any]], delimiter: str
) -> str:
    links = await repository.links_of(tx, user_id=tenant, card_ids=[r["id"] for r in rows])
    return transfer.csv_lines(
        (transfer.card_cells(service.card_read(r, links[r["id"]])) for r in rows),
        delimiter=delimiter,
    )
