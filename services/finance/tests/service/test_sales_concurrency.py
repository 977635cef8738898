"""Returns and cancellations racing inventory's costing events: the API and the COGS
consumers take the same locks in the same order (the sale, then its lines), so none of them
deadlocks and every request is applied."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import httpx

from mpflow_testing.waiting import wait_until

Db = Callable[..., list[dict[str, Any]]]
SALES = "/v1/admin/sales"


def test_returns_and_cancellations_right_after_recording_never_deadlock_with_costing(
    alice: httpx.Client,
    add_card: Callable[..., UUID],
    stock_in: Callable[..., Any],
    db: Db,
) -> None:
    card = add_card("RACE-1")
    stock_in(card, 200, "10.00")

    def sell_then_undo(n: int) -> tuple[int, int]:
        body = {"lines": [{"card_id": str(card), "qty": 2, "unit_price": "50.00"}]}
        sale = alice.post(SALES, json=body).json()
        if n % 2:
            undo = alice.post(f"{SALES}/{sale['id']}/cancel", json={})
        else:
            line_id = sale["lines"][0]["id"]
            undo = alice.post(
                f"{SALES}/{sale['id']}/return",
                json={"kind": "restock", "lines": [{"line_id": line_id, "qty": 1}]},
            )
        return n, undo.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(sell_then_undo, range(30)))

    assert [status for _, status in answers] == [200 if n % 2 else 201 for n, _ in answers]
    # Every sale was costed and every undo reached inventory: 15 cancelled (all units back),
    # 15 kept 1 of 2 units (1 returned): 200 − 15 = 185 units on hand.
    wait_until(
        lambda: db("SELECT qty FROM inventory.balances WHERE card_id = $1", card)[0]["qty"] == 185
    )
    # …and finance took every costing back: no sale waits for its COGS.
    wait_until(
        lambda: db("SELECT count(*) AS n FROM finance.sales WHERE cogs_status <> 'costed' "
                   "AND status = 'active'")[0]["n"] == 0
    )  # fmt: skip
    # 15 kept units at 10.00 (each return put 10.00 of its 20.00 back).
    wait_until(
        lambda: (
            db("SELECT sum(cogs) AS c FROM finance.sale_lines WHERE qty_returned = 1")[0]["c"]
            == 150
        )
    )
