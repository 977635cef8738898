"""The card-created event leaves through the outbox relay, and its documented example has the
shape of the real thing (tests/contracts/ checks consumers against that example)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import nats

import catalog
from mpflow_platform.events.envelope import STREAM_NAME

Db = Callable[..., list[dict[str, Any]]]
CARDS = "/v1/admin/master-cards"
SUBJECT = "mpflow.catalog.card.created"
EXAMPLE = Path(catalog.__file__).parent / "events" / "examples" / "catalog.card.created.json"


def _wait_for_sent(db: Db, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        rows = db("SELECT id, payload, sent_at FROM catalog.outbox")
        if rows and rows[0]["sent_at"] is not None:
            return rows[0]
        assert time.monotonic() < deadline, f"the outbox row was not relayed: {rows!r}"
        time.sleep(0.05)


async def _last_message(nats_url: str, subject: str) -> tuple[dict[str, str], Any]:
    nc = await nats.connect(nats_url)
    try:
        msg = await nc.jetstream().get_last_msg(STREAM_NAME, subject)
    finally:
        await nc.close()
    return dict(msg.headers or {}), json.loads(msg.data or b"null")


def test_the_relay_publishes_the_event_with_its_id_as_the_message_id(
    alice: httpx.Client, db: Db, nats_url: str
) -> None:
    alice.post(CARDS, json={"sku": "KETTLE-1", "title": "Чайник"})

    row = _wait_for_sent(db)
    headers, published = asyncio.run(_last_message(nats_url, SUBJECT))

    assert headers["Nats-Msg-Id"] == str(row["id"])
    assert published == row["payload"]


def test_the_documented_example_has_the_fields_of_a_real_event(alice: httpx.Client, db: Db) -> None:
    alice.post(CARDS, json={"sku": "KETTLE-1", "title": "Чайник"})

    real = db("SELECT payload FROM catalog.outbox")[0]["payload"]
    example = json.loads(EXAMPLE.read_text())

    assert sorted(example) == sorted(real)
    assert sorted(example["data"]) == sorted(real["data"])
    assert (example["type"], example["version"], example["source"]) == (
        real["type"],
        real["version"],
        real["source"],
    )
