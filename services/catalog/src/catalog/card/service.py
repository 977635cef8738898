"""Use cases of master cards: one transaction each, events through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from catalog.card import repository
from catalog.card.repository import CardFilter
from catalog.card.schemas import (
    MAX_SOURCES,
    CardCreate,
    CardDetail,
    CardRead,
    CardUpdate,
    LinkInput,
    SourceCreate,
    SourceRead,
    check_json_object,
)
from catalog.errors import (
    CardNotFound,
    DuplicateSku,
    InvalidAttributes,
    LinkTaken,
    SourceNotFound,
    TooManySources,
)
from catalog.events.published import (
    CARD_ARCHIVED,
    CARD_CREATED,
    CARD_UPDATED,
    CardSnapshot,
)
from mpflow_platform.db import Connection, Pool, transaction
from mpflow_platform.events import new_event, outbox
from mpflow_platform.http.identity import Identity
from mpflow_platform.http.pagination import Page, PageQuery, next_cursor
from mpflow_platform.ids import uuid7

SCHEMA = "catalog"


def _tenant(identity: Identity) -> UUID:
    assert identity.user_id is not None, "the platform refuses anonymous calls to cards"
    return identity.user_id


def card_read(row: dict[str, Any], links: list[dict[str, Any]]) -> CardRead:
    """The API shape of a card row and its links."""
    return CardRead.model_validate({**row, **_nested(row), "links": links})


def _nested(row: dict[str, Any]) -> dict[str, Any]:
    dims = (row["length_mm"], row["width_mm"], row["height_mm"])
    return {
        "dimensions": None
        if None in dims
        else {"length_mm": dims[0], "width_mm": dims[1], "height_mm": dims[2]},
        "purchase_price": None
        if row["purchase_price"] is None
        else {"amount": row["purchase_price"], "currency": row["purchase_currency"]},
    }


def _columns(data: CardCreate | CardUpdate) -> dict[str, Any]:
    """The card columns a request sets (for an update: only the fields it names)."""
    given = data.model_fields_set if isinstance(data, CardUpdate) else set(type(data).model_fields)
    columns: dict[str, Any] = {}
    for name in ("sku", "title", "description", "brand", "status", "barcodes", "weight_g"):
        if name in given:
            columns[name] = getattr(data, name)
    if "dimensions" in given:
        dims = data.dimensions
        columns["length_mm"] = dims.length_mm if dims else None
        columns["width_mm"] = dims.width_mm if dims else None
        columns["height_mm"] = dims.height_mm if dims else None
    if "purchase_price" in given:
        price = data.purchase_price
        columns["purchase_price"] = price.amount if price else None
        columns["purchase_currency"] = price.currency if price else None
    return columns


def _link_rows(links: list[LinkInput]) -> list[dict[str, Any]]:
    return [{"id": uuid7(), **link.model_dump()} for link in links]


def _source_rows(sources: list[SourceCreate]) -> list[dict[str, Any]]:
    return [{"id": uuid7(), **source.model_dump(mode="json")} for source in sources]


def snapshot(card: CardRead) -> dict[str, Any]:
    """The payload of every card event (`CardSnapshot`), as JSON values."""
    dims = card.dimensions
    return CardSnapshot.model_validate(
        {
            **card.model_dump(),
            "card_id": card.id,
            "length_mm": dims.length_mm if dims else None,
            "width_mm": dims.width_mm if dims else None,
            "height_mm": dims.height_mm if dims else None,
            "links": [link.model_dump() for link in card.links],
        }
    ).model_dump(mode="json")


async def _publish(tx: Connection, tenant: UUID, event_type: str, card: CardRead) -> None:
    event = new_event(event_type, snapshot(card), user_id=tenant, source=SCHEMA)
    await outbox.add(tx, schema=SCHEMA, event=event)


async def _replace_links(
    tx: Connection, tenant: UUID, card_id: UUID, links: list[LinkInput]
) -> None:
    try:
        await repository.replace_links(tx, user_id=tenant, card_id=card_id, links=_link_rows(links))
    except repository.LinkTaken as exc:
        field = {
            "marketplace_links_product_key": "product_id",
            "marketplace_links_sku_key": "sku",
        }.get(exc.constraint or "", "offer_id")
        raise LinkTaken(
            f"another card is already linked to this marketplace {field}: unlink it there first"
        ) from exc


async def insert_card(tx: Connection, tenant: UUID, data: CardCreate) -> CardRead | None:
    """Create a card in an open transaction and announce it; None when the SKU is taken."""
    values = {
        "id": uuid7(),
        "user_id": tenant,
        **_columns(data),
        "attributes": data.attributes,
    }
    row = await repository.insert_card(tx, values=values)
    if row is None:
        return None
    if data.links:
        await _replace_links(tx, tenant, row["id"], data.links)
    if data.sources:
        await repository.insert_sources(
            tx, user_id=tenant, card_id=row["id"], sources=_source_rows(data.sources)
        )
    links = await repository.links_of(tx, user_id=tenant, card_ids=[row["id"]])
    card = card_read(row, links[row["id"]])
    await _publish(tx, tenant, CARD_CREATED, card)
    return card


def _duplicate(sku: str) -> DuplicateSku:
    return DuplicateSku(f"a card with SKU {sku!r} already exists; use another SKU")


async def create_card(*, pool: Pool, identity: Identity, data: CardCreate) -> CardDetail:
    """Create a master card with its sources and links (`catalog.card.created`)."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        card = await insert_card(tx, tenant, data)
        if card is None:
            raise _duplicate(data.sku)
        sources = await repository.sources_of(tx, user_id=tenant, card_id=card.id)
    return CardDetail(**card.model_dump(), sources=[SourceRead.model_validate(s) for s in sources])


async def _detail(tx: Connection, tenant: UUID, row: dict[str, Any]) -> CardDetail:
    links = await repository.links_of(tx, user_id=tenant, card_ids=[row["id"]])
    sources = await repository.sources_of(tx, user_id=tenant, card_id=row["id"])
    card = card_read(row, links[row["id"]])
    return CardDetail(**card.model_dump(), sources=[SourceRead.model_validate(s) for s in sources])


async def _locked(tx: Connection, tenant: UUID, card_id: UUID) -> dict[str, Any]:
    row = await repository.get_card(tx, user_id=tenant, card_id=card_id, lock=True)
    if row is None:
        raise CardNotFound(f"no card {card_id}")
    return row


async def get_card(*, pool: Pool, identity: Identity, card_id: UUID) -> CardDetail:
    """One card of the caller's tenant, with its sources and links."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        row = await repository.get_card(tx, user_id=tenant, card_id=card_id)
        if row is None:
            raise CardNotFound(f"no card {card_id}")
        return await _detail(tx, tenant, row)


async def list_cards(
    *, pool: Pool, identity: Identity, page: PageQuery, where: CardFilter | None = None
) -> Page[CardRead]:
    """A page of the caller's cards (search over SKU, title, brand and exact barcode)."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        rows, total = await repository.list_cards(
            tx, user_id=tenant, page=page, where=where or CardFilter()
        )
        links = await repository.links_of(tx, user_id=tenant, card_ids=[r["id"] for r in rows])
    return Page[CardRead](
        items=[card_read(r, links[r["id"]]) for r in rows],
        total=total,
        next_cursor=next_cursor(page.offset, page.limit, total),
    )


@dataclass(frozen=True)
class Change:
    """The effect of an update on one card: what changed, and the card after it."""

    card: CardRead
    changed: bool


def _merged_attributes(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = {**current, **patch}
    return {key: value for key, value in merged.items() if value is not None}


def changed_columns(row: dict[str, Any], data: CardUpdate, now: datetime) -> dict[str, Any]:
    """The columns of the card `row` that `data` changes, with their new values: given
    fields replace, attributes merge (a null value removes a key), a status change sets or
    clears archived_at. Empty when nothing changes."""
    columns = {name: value for name, value in _columns(data).items() if row.get(name) != value}
    if data.attributes is not None:
        merged = _merged_attributes(row["attributes"], data.attributes)
        if merged != row["attributes"]:
            try:
                columns["attributes"] = check_json_object(merged)
            except ValueError as exc:  # the limits hold for the result, not only the patch
                raise InvalidAttributes(f"attributes after the change: {exc}") from exc
    if "status" in columns:
        columns["archived_at"] = now if columns["status"] == "archived" else None
    return columns


async def change_card(
    tx: Connection, tenant: UUID, row: dict[str, Any], data: CardUpdate
) -> Change:
    """Apply an update to a locked card row in an open transaction; publish when anything
    changed (`catalog.card.archived` when it became archived, else `…updated`)."""
    columns = changed_columns(row, data, datetime.now(UTC))
    links_before = (await repository.links_of(tx, user_id=tenant, card_ids=[row["id"]]))[row["id"]]
    links_changed = data.links is not None and [
        {k: link[k] for k in ("marketplace", "offer_id", "product_id", "sku")}
        for link in links_before
    ] != sorted(
        (link.model_dump() for link in data.links), key=lambda x: (x["marketplace"], x["offer_id"])
    )
    if not columns and not links_changed:
        return Change(card_read(row, links_before), changed=False)
    if links_changed and data.links is not None:
        await _replace_links(tx, tenant, row["id"], data.links)
    try:
        after = await repository.update_card(tx, user_id=tenant, card_id=row["id"], changes=columns)
    except repository.SkuTaken as exc:
        raise _duplicate(columns["sku"]) from exc
    links = (await repository.links_of(tx, user_id=tenant, card_ids=[row["id"]]))[row["id"]]
    card = card_read(after, links)
    archived = columns.get("status") == "archived"
    await _publish(tx, tenant, CARD_ARCHIVED if archived else CARD_UPDATED, card)
    return Change(card, changed=True)


async def update_card(
    *, pool: Pool, identity: Identity, card_id: UUID, data: CardUpdate
) -> CardDetail:
    """Change a card: fields given replace, `attributes` merge (null removes a key)."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        row = await _locked(tx, tenant, card_id)
        change = await change_card(tx, tenant, row, data)
        after = await repository.get_card(tx, user_id=tenant, card_id=change.card.id)
        assert after is not None
        return await _detail(tx, tenant, after)


async def archive_card(*, pool: Pool, identity: Identity, card_id: UUID) -> CardDetail:
    """Archive a card (cards have history, so they are never deleted); repeating is a no-op."""
    return await update_card(
        pool=pool, identity=identity, card_id=card_id, data=CardUpdate(status="archived")
    )


async def add_source(
    *, pool: Pool, identity: Identity, card_id: UUID, data: SourceCreate
) -> SourceRead:
    """Add a supplier (or competitor, reference) source to a card."""
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        await _locked(tx, tenant, card_id)
        if len(await repository.sources_of(tx, user_id=tenant, card_id=card_id)) >= MAX_SOURCES:
            raise TooManySources(
                f"a card has at most {MAX_SOURCES} sources: remove one before adding another"
            )
        (row,) = await repository.insert_sources(
            tx, user_id=tenant, card_id=card_id, sources=_source_rows([data])
        )
        await repository.touch_card(tx, user_id=tenant, card_id=card_id)
    return SourceRead.model_validate(row)


async def delete_source(*, pool: Pool, identity: Identity, card_id: UUID, source_id: UUID) -> None:
    tenant = _tenant(identity)
    async with transaction(pool, user_id=tenant) as tx:
        await _locked(tx, tenant, card_id)
        if not await repository.delete_source(
            tx, user_id=tenant, card_id=card_id, source_id=source_id
        ):
            raise SourceNotFound(f"card {card_id} has no source {source_id}")
        await repository.touch_card(tx, user_id=tenant, card_id=card_id)
