"""POST /v1/admin/master-cards: the card, its event in the outbox, SKU uniqueness per tenant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from mpflow_platform.events import Envelope

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")


def test_creating_a_card_returns_201_with_the_active_card(alice: httpx.Client) -> None:
    response = alice.post(CARDS, json={"sku": "KETTLE-1", "title": "Чайник 1,5 л"})

    assert response.status_code == 201, response.text
    card = response.json()
    assert UUID(card["id"]).version == 7
    assert card["sku"] == "KETTLE-1"
    assert card["title"] == "Чайник 1,5 л"
    assert card["status"] == "active"
    assert card["created_at"].endswith("Z") and card["updated_at"].endswith("Z")


def test_surrounding_whitespace_of_sku_and_title_is_trimmed(alice: httpx.Client) -> None:
    response = alice.post(CARDS, json={"sku": "  MUG-2 ", "title": "\tКружка  "})

    assert response.status_code == 201, response.text
    assert (response.json()["sku"], response.json()["title"]) == ("MUG-2", "Кружка")


def test_creating_a_card_writes_its_created_event_to_the_outbox(
    alice: httpx.Client, db: Db
) -> None:
    response = alice.post(
        CARDS, json={"sku": "KETTLE-1", "title": "Чайник"}, headers={"X-Request-ID": "req-card-1"}
    )

    card = response.json()
    rows = db("SELECT id, subject, payload, user_id FROM catalog.outbox")
    assert len(rows) == 1
    row = rows[0]
    event = Envelope.model_validate(row["payload"])
    assert row["subject"] == "mpflow.catalog.card.created"
    assert event.id == row["id"]
    assert event.type == "catalog.card.created"
    assert event.version == 1
    assert event.source == "catalog"
    assert event.user_id == row["user_id"] == ALICE_ID
    assert event.correlation_id == "req-card-1" == response.headers["x-request-id"]
    assert event.data == {
        "card_id": card["id"],
        "sku": "KETTLE-1",
        "title": "Чайник",
        "status": "active",
        "brand": None,
        "barcodes": [],
        "length_mm": None,
        "width_mm": None,
        "height_mm": None,
        "weight_g": None,
        "links": [],
        "version": 1,
        "updated_at": card["updated_at"],
    }


def test_a_duplicate_sku_in_the_same_tenant_is_a_409_problem(alice: httpx.Client, db: Db) -> None:
    alice.post(CARDS, json={"sku": "KETTLE-1", "title": "first"})

    response = alice.post(CARDS, json={"sku": "KETTLE-1", "title": "second"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["error_code"] == "duplicate_sku"
    assert problem["status"] == 409
    assert "KETTLE-1" in problem["detail"]
    assert problem["instance"] == CARDS
    assert db("SELECT count(*) AS n FROM catalog.master_cards")[0]["n"] == 1
    assert db("SELECT count(*) AS n FROM catalog.outbox")[0]["n"] == 1


def test_a_sku_differing_after_trimming_only_is_still_a_duplicate(alice: httpx.Client) -> None:
    alice.post(CARDS, json={"sku": "KETTLE-1", "title": "first"})

    response = alice.post(CARDS, json={"sku": " KETTLE-1 ", "title": "second"})

    assert response.status_code == 409
    assert response.json()["error_code"] == "duplicate_sku"


def test_the_same_sku_in_another_tenant_is_a_separate_card(
    alice: httpx.Client, bob: httpx.Client, db: Db
) -> None:
    mine = alice.post(CARDS, json={"sku": "KETTLE-1", "title": "alice's"})

    theirs = bob.post(CARDS, json={"sku": "KETTLE-1", "title": "bob's"})

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    owners = db("SELECT DISTINCT user_id FROM catalog.outbox")
    assert len(owners) == 2
