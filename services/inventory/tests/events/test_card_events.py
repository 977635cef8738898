"""Card updates and archiving reach inventory's copy, dimensions and weight included; a
stale or reordered event never overwrites a newer version of the card."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

from mpflow_platform.events import Envelope, new_event

Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
CARD_ID = str(uuid.uuid4())


def _event(kind: str, version: int, **data: Any) -> Envelope:
    payload = {
        "card_id": CARD_ID,
        "sku": "KETTLE-1",
        "title": "Чайник",
        "status": "active",
        "brand": None,
        "barcodes": [],
        "length_mm": 220,
        "width_mm": 180,
        "height_mm": 250,
        "weight_g": 1150,
        "links": [],
        "version": version,
        "updated_at": "2026-12-01T10:00:00Z",
    }
    return new_event(
        f"catalog.card.{kind}", {**payload, **data}, user_id=ALICE_ID, source="catalog"
    )


def _copy(db: Db) -> dict[str, Any]:
    (row,) = db(
        "SELECT sku, title, status, length_mm, width_mm, height_mm, weight_g, version "
        "FROM inventory.cards"
    )
    return row


def _deliver(jetstream: Any, *events: Envelope) -> None:
    for event in events:
        jetstream.wait_handled(jetstream.publish(event)[0])


def test_updates_and_archiving_refresh_the_copy(inventory_url: str, jetstream: Any, db: Db) -> None:
    _deliver(jetstream, _event("created", 1))
    assert _copy(db) == {
        "sku": "KETTLE-1",
        "title": "Чайник",
        "status": "active",
        "length_mm": 220,
        "width_mm": 180,
        "height_mm": 250,
        "weight_g": 1150,
        "version": 1,
    }

    _deliver(jetstream, _event("updated", 2, title="Чайник 1,7 л", weight_g=1200, length_mm=None))
    updated = _copy(db)
    assert (updated["title"], updated["weight_g"], updated["length_mm"]) == (
        "Чайник 1,7 л",
        1200,
        None,
    )

    _deliver(jetstream, _event("archived", 3, status="archived"))
    assert _copy(db)["status"] == "archived" and _copy(db)["version"] == 3


def test_a_stale_event_does_not_overwrite_a_newer_copy(
    inventory_url: str, jetstream: Any, db: Db
) -> None:
    _deliver(
        jetstream,
        _event("updated", 3, title="Новое", weight_g=900),
        _event("created", 1),
        _event("updated", 2, title="Старое"),
    )

    copy = _copy(db)
    assert (copy["title"], copy["weight_g"], copy["version"]) == ("Новое", 900, 3)
    assert len(db("SELECT event_id FROM inventory.inbox")) == 3  # each handled once
