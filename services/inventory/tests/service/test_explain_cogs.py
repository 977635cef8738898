"""GET /internal/sales/{sale_id}/cogs: every sale line's COGS explained (DOMAIN.md §4) — its
lots, their supplier order (currency, FX rate and date), the order line, every charge with
its method, amount, rate, basis and share, and the adjustments since. The worked example of
DOMAIN.md §2 is the order."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx

from inventory.costing.late import apply_late_value
from inventory.costing.service import allocate_sale
from inventory.events.consumed import SaleLine, SaleRecorded
from inventory.lot import repository as lots_repo
from mpflow_platform.db import Connection, set_tenant
from mpflow_platform.ids import uuid7

T = TypeVar("T")
Db = Callable[..., list[dict[str, Any]]]
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def in_tx(database_url: str, work: Callable[[Connection], Awaitable[T]]) -> T:
    async def go() -> T:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.set_type_codec(
                "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
            async with conn.transaction():
                await set_tenant(conn, ALICE_ID)
                return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(go())


def worked_example(db: Db) -> dict[str, UUID]:
    """DOMAIN.md §2: A 100 × 10 CNY (0.2 kg), B 50 × 40 CNY (1.0 kg), 12.5 RUB/CNY; freight
    3 000 RUB by weight, customs 1 875 RUB by value; A received in full."""
    ids = {k: uuid7() for k in ("supplier", "order", "a", "b", "freight", "customs", "receipt")}
    ids["card_a"], ids["card_b"] = uuid.uuid4(), uuid.uuid4()
    for card, sku in ((ids["card_a"], "A"), (ids["card_b"], "B")):
        db(
            "INSERT INTO inventory.cards (user_id, card_id, sku, title) VALUES ($1, $2, $3, 't')",
            ALICE_ID,
            card,
            sku,
        )
    db(
        "INSERT INTO inventory.suppliers (id, user_id, name) VALUES ($1, $2, 'Yiwu Trading')",
        ids["supplier"],
        ALICE_ID,
    )
    db(
        "INSERT INTO inventory.supplier_orders (id, user_id, number, supplier_id, currency, "
        "fx_rate, fx_rate_date, status) "
        "VALUES ($1, $2, 'PO-2026-001', $3, 'CNY', 12.5, '2026-10-15', 'partially_received')",
        ids["order"],
        ALICE_ID,
        ids["supplier"],
    )
    for line, no, card, qty, price, kg, base, landed in (
        ("a", 1, "card_a", 100, "10", "0.2", "12500.00", "13982.14"),
        ("b", 2, "card_b", 50, "40", "1.0", "25000.00", "28392.86"),
    ):
        db(
            "INSERT INTO inventory.supplier_order_lines (id, user_id, order_id, line_no, card_id, "
            "qty_ordered, unit_price, weight_kg, line_value_base, landed_value) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            ids[line],
            ALICE_ID,
            ids["order"],
            no,
            ids[card],
            qty,
            D(price),
            D(kg),
            D(base),
            D(landed),
        )
    for charge, kind, method, amount, shares in (
        ("freight", "freight", "by_weight", "3000.00", (("20", "857.14"), ("50", "2142.86"))),
        ("customs", "customs", "by_value", "1875.00", (("12500", "625.00"), ("25000", "1250.00"))),
    ):
        db(
            "INSERT INTO inventory.order_charges (id, user_id, order_id, kind, amount, currency, "
            "fx_rate, method, amount_base) VALUES ($1, $2, $3, $4, $5, 'RUB', 1, $6, $5)",
            ids[charge],
            ALICE_ID,
            ids["order"],
            kind,
            D(amount),
            method,
        )
        for line, (basis, share) in zip(("a", "b"), shares, strict=True):
            db(
                "INSERT INTO inventory.charge_allocations (user_id, charge_id, line_id, basis, "
                "amount_base) VALUES ($1, $2, $3, $4, $5)",
                ALICE_ID,
                ids[charge],
                ids[line],
                D(basis),
                D(share),
            )
    db(
        "INSERT INTO inventory.receipts (id, user_id, order_id, received_at) "
        "VALUES ($1, $2, $3, $4)",
        ids["receipt"],
        ALICE_ID,
        ids["order"],
        T0,
    )
    return ids


def test_the_chain_from_sale_line_to_charges(
    alice: httpx.Client, bob: httpx.Client, db: Db, database_url: str
) -> None:
    ids = worked_example(db)
    lot_id = uuid7()
    sale = SaleRecorded(
        sale_id=uuid7(),
        marketplace="ozon",
        occurred_at=datetime(2026, 11, 5, tzinfo=UTC),
        lines=[
            SaleLine(line_id=uuid7(), card_id=ids["card_a"], qty=3),
            SaleLine(line_id=uuid7(), card_id=ids["card_b"], qty=2),  # nothing received
        ],
    )

    async def arrange(tx: Connection) -> None:
        await lots_repo.insert_lot(
            tx,
            id=lot_id,
            user_id=ALICE_ID,
            card_id=ids["card_a"],
            source="receipt",
            received_at=T0,
            qty=100,
            value=D("13982.14"),
            receipt_id=ids["receipt"],
            order_line_id=ids["a"],
        )
        await allocate_sale(tx, ALICE_ID, sale)
        # A late charge of 10.00 on line A: 97 % on hand, 0.30 on the 3 units sold.
        await apply_late_value(
            tx,
            user_id=ALICE_ID,
            order_line_id=ids["a"],
            value=D("10.00"),
            reason="late_charge",
            source_id=ids["freight"],
            occurred_at=datetime(2026, 11, 6, tzinfo=UTC),
        )

    in_tx(database_url, arrange)

    response = alice.get(f"/internal/sales/{sale.sale_id}/cogs")
    assert response.status_code == 200, response.text
    body = response.json()
    a, b = body["lines"]
    # round2(3 × 13 982.14 / 100) = 419.46, plus the late 0.30.
    assert (a["sku"], a["qty"], a["qty_pending"], a["cost"], a["cogs_status"]) == (
        "A",
        3,
        0,
        "419.76",
        "complete",
    )
    (allocation,) = a["allocations"]
    assert (allocation["qty"], allocation["cost"]) == (3, "419.76")
    assert allocation["lot"] | {"received_at": None} == {
        "lot_id": str(lot_id),
        "source": "receipt",
        "received_at": None,
        "initial_qty": 100,
        "initial_value": "13982.14",
        "receipt_id": str(ids["receipt"]),
    }
    assert allocation["order"] == {
        "order_id": str(ids["order"]),
        "number": "PO-2026-001",
        "currency": "CNY",
        "fx_rate": "12.50000000",
        "fx_rate_date": "2026-10-15",
    }
    line = allocation["order_line"]
    assert (line["qty_ordered"], line["unit_price"], line["line_value_base"]) == (
        100,
        "10.0000",
        "12500.00",
    )
    assert line["landed_value"] == "13982.14"
    assert [
        (
            c["kind"],
            c["method"],
            c["amount"],
            c["currency"],
            c["amount_base"],
            c["basis"],
            c["share"],
        )
        for c in line["charges"]
    ] == [
        ("freight", "by_weight", "3000.00", "RUB", "3000.00", "20.000000", "857.14"),
        ("customs", "by_value", "1875.00", "RUB", "1875.00", "12500.000000", "625.00"),
    ]
    assert [(j["reason"], j["amount"]) for j in a["adjustments"]] == [("late_charge", "0.30")]

    assert (b["sku"], b["qty_pending"], b["cost"], b["cogs_status"], b["allocations"]) == (
        "B",
        2,
        "0.00",
        "pending",
        [],
    )
    assert body["cost"] == "419.76"

    # Another tenant, or a sale inventory never costed: 404.
    assert bob.get(f"/internal/sales/{sale.sale_id}/cogs").status_code == 404
    assert alice.get(f"/internal/sales/{uuid7()}/cogs").status_code == 404
