"""`mpflow.catalog.card.created` from JetStream into inventory's card copy: once per event,
whatever the bus redelivers, and only for the tenant it names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from mpflow_platform.events import Envelope, new_event

Db = Callable[..., list[dict[str, Any]]]
INVENTORY = "/v1/admin/inventory"
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")


def card_created(sku: str = "KETTLE-1", *, user_id: UUID = ALICE_ID, **data: Any) -> Envelope:
    """A card-created event as catalog's outbox relay publishes it."""
    payload = {"card_id": str(uuid.uuid4()), "sku": sku, "title": "Чайник", "status": "active"}
    return new_event("catalog.card.created", {**payload, **data}, user_id=user_id, source="catalog")


def _stock(client: httpx.Client) -> dict[str, Any]:
    response = client.get(INVENTORY)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_a_created_card_appears_in_the_tenants_inventory_with_zero_stock(
    alice: httpx.Client, jetstream: Any
) -> None:
    event = card_created("KETTLE-1")

    seq, _ = jetstream.publish(event)
    jetstream.wait_handled(seq)

    assert _stock(alice) == {
        "items": [
            {
                "card_id": event.data["card_id"],
                "sku": "KETTLE-1",
                "title": "Чайник",
                "quantity": 0,
                "value": "0.00",
                "locations": [],
            }
        ],
        "total": 1,
        "next_cursor": None,
    }


def test_the_copy_and_the_inbox_record_which_event_made_them(
    inventory_url: str, jetstream: Any, db: Db
) -> None:
    event = card_created()

    jetstream.wait_handled(jetstream.publish(event)[0])

    cards = db("SELECT user_id, card_id, source_event_id FROM inventory.cards")
    inbox = db("SELECT consumer, event_id, subject, user_id FROM inventory.inbox")
    assert cards == [
        {"user_id": ALICE_ID, "card_id": UUID(event.data["card_id"]), "source_event_id": event.id}
    ]
    assert inbox == [
        {
            "consumer": "inventory",
            "event_id": event.id,
            "subject": "mpflow.catalog.card.created",
            "user_id": ALICE_ID,
        }
    ]


def test_a_republished_event_with_the_same_message_id_is_dropped_by_jetstream(
    inventory_url: str, jetstream: Any, db: Db
) -> None:
    event = card_created()
    first_seq, _ = jetstream.publish(event)

    seq, duplicate = jetstream.publish(event)
    jetstream.wait_handled(first_seq)

    assert duplicate and seq == first_seq
    assert len(db("SELECT card_id FROM inventory.cards")) == 1
    assert len(db("SELECT event_id FROM inventory.inbox")) == 1


def test_a_redelivered_event_past_jetstream_dedup_has_one_effect(
    alice: httpx.Client, jetstream: Any, db: Db
) -> None:
    event = card_created()
    first_seq, _ = jetstream.publish(event)

    second_seq, duplicate = jetstream.publish(event, msg_id=f"redelivery-{event.id}")
    jetstream.wait_handled(second_seq)

    assert not duplicate and second_seq > first_seq
    assert _stock(alice)["total"] == 1
    assert len(db("SELECT card_id FROM inventory.cards")) == 1
    assert db("SELECT event_id FROM inventory.inbox") == [{"event_id": event.id}]


def test_another_tenant_sees_nothing_of_the_card(
    alice: httpx.Client, bob: httpx.Client, jetstream: Any
) -> None:
    event = card_created("ALICE-ONLY")

    jetstream.wait_handled(jetstream.publish(event)[0])

    assert _stock(bob) == {"items": [], "total": 0, "next_cursor": None}
    assert _stock(alice)["total"] == 1


def test_events_published_while_inventory_was_down_are_consumed_when_it_starts(
    start_inventory: Callable[[], str], jetstream: Any, db: Db
) -> None:
    events = [card_created(f"EARLY-{i}") for i in range(3)]
    last_seq = max(jetstream.publish(e)[0] for e in events)

    start_inventory()
    jetstream.wait_handled(last_seq)

    skus = {row["sku"] for row in db("SELECT sku FROM inventory.cards")}
    assert skus == {"EARLY-0", "EARLY-1", "EARLY-2"}
