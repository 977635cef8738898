"""The sales list filters by the tenant's days, like every finance list and report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from mpflow_testing.identity import ALICE


def test_a_sale_late_in_the_utc_evening_is_listed_on_the_tenants_next_day(
    alice: httpx.Client, add_card: Callable[..., UUID], settings_of: Callable[..., Any]
) -> None:
    settings_of(ALICE, timezone="Europe/Moscow")
    card = add_card("NIGHT-1")
    body = {
        "occurred_at": "2026-03-01T22:30:00Z",  # 01:30 on 2 March in Moscow
        "lines": [{"card_id": str(card), "qty": 1, "unit_price": "10.00"}],
    }
    sale = alice.post("/v1/admin/sales", json=body).json()

    first = alice.get(
        "/v1/admin/sales", params={"date_from": "2026-03-01", "date_to": "2026-03-01"}
    )
    second = alice.get(
        "/v1/admin/sales", params={"date_from": "2026-03-02", "date_to": "2026-03-02"}
    )

    assert first.json()["items"] == []
    assert [s["id"] for s in second.json()["items"]] == [sale["id"]]
