"""Property test through the running service: random sequences of receipts, sales, late
charges, write-offs, returns and cancellations. After every step the reconciliation holds
(Σ lot remaining = Σ ledger qty, lot value = balance value), no lot goes below zero, and no
kopeck is created or lost:

    Σ lots' initial value + Σ late charges that reached lots
        = Σ COGS now on allocations + Σ unattributed adjustments + Σ losses
          + Σ lots' remaining value

Each example is a fresh tenant, so examples never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpflow_platform.events import new_event
from mpflow_platform.http.identity import Identity

Db = Callable[..., list[dict[str, Any]]]
ORDERS = "/v1/admin/supplier-orders"

Op = tuple[str, int, int]
operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "sell", "late", "write_off", "return", "cancel"]),
        st.integers(min_value=1, max_value=12),
        st.integers(min_value=1, max_value=999),
    ),
    min_size=3,
    max_size=9,
)


class Tenant:
    def __init__(self, client: httpx.Client, user_id: UUID, card: UUID, jetstream: Any) -> None:
        self.client, self.user_id, self.card, self.jetstream = client, user_id, card, jetstream
        self.orders: list[str] = []
        #: sale id, line id, units not returned, whether some were returned (such a sale was
        #: delivered: it can no longer be cancelled)
        self.sales: list[tuple[str, str, int, bool]] = []
        supplier = client.post("/v1/admin/suppliers", json={"name": "S"})
        assert supplier.status_code == 201, supplier.text
        self.supplier = supplier.json()["id"]

    def receive(self, qty: int, price: int) -> None:
        order = self.client.post(
            ORDERS,
            json={
                "supplier_id": self.supplier,
                "currency": "CNY",
                "fx_rate": "12.3457",
                "fx_rate_date": "2026-11-20",
                "lines": [{"card_id": str(self.card), "qty": qty, "unit_price": f"{price / 100}"}],
            },
        ).json()
        self.client.post(f"{ORDERS}/{order['id']}/status", json={"status": "ordered"})
        line = order["lines"][0]["id"]
        got = self.client.post(
            f"{ORDERS}/{order['id']}/receive",
            json={"lines": [{"order_line_id": line, "qty": qty}]},
        )
        assert got.status_code == 201, got.text
        self.orders.append(order["id"])

    def late(self, which: int, amount: int) -> None:
        if not self.orders:
            return
        order = self.orders[which % len(self.orders)]
        charge = self.client.post(
            f"{ORDERS}/{order}/charges",
            json={
                "kind": "freight",
                "amount": f"{amount / 7:.2f}",
                "currency": "RUB",
                "method": "by_quantity",
            },
        )
        assert charge.status_code == 201, charge.text

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        event = new_event(kind, data, user_id=self.user_id, source="finance")
        self.jetstream.wait_handled(self.jetstream.publish(event)[0])

    def sell(self, qty: int) -> None:
        sale, line = str(uuid.uuid4()), str(uuid.uuid4())
        self.publish(
            "sales.sale.recorded",
            {
                "sale_id": sale,
                "marketplace": "manual",
                "external_id": None,
                "occurred_at": datetime.now(UTC).isoformat(),
                "lines": [{"line_id": line, "card_id": str(self.card), "qty": qty}],
            },
        )
        self.sales.append((sale, line, qty, False))

    def write_off(self, qty: int) -> None:
        answer = self.client.post(
            "/v1/admin/inventory/write-offs",
            json={"card_id": str(self.card), "qty": qty, "reason": "damage"},
        )
        assert answer.status_code in (201, 422), answer.text  # 422: not that much in stock

    def give_back(self, which: int, cancel: bool) -> None:
        candidates = [s for s in self.sales if not (cancel and s[3])]
        if not candidates:
            return
        chosen = candidates[which % len(candidates)]
        self.sales.remove(chosen)
        sale, line, qty, _ = chosen
        now = datetime.now(UTC).isoformat()
        if cancel:
            self.publish("sales.sale.cancelled", {"sale_id": sale, "occurred_at": now})
            return
        self.publish(
            "sales.sale.returned",
            {
                "sale_id": sale,
                "return_id": str(uuid.uuid4()),
                "occurred_at": now,
                "kind": "restock",
                "location": "home",
                "lines": [{"line_id": line, "qty": 1}],
            },
        )
        if qty > 1:
            self.sales.append((sale, line, qty - 1, True))


def _money(db: Db, user_id: UUID) -> tuple[Decimal, Decimal]:
    """(value in: lots' initial value + late charges on lots, value out and left)."""
    (row,) = db(
        """
        SELECT
          (SELECT coalesce(sum(initial_value), 0) FROM inventory.lots WHERE user_id = $1)
          + (SELECT coalesce(sum(a.amount_base), 0) FROM inventory.charge_allocations a
             JOIN inventory.order_charges c ON c.id = a.charge_id
             WHERE a.user_id = $1 AND c.after_receipt) AS value_in,
          (SELECT coalesce(sum(cost), 0) FROM inventory.cogs_allocations WHERE user_id = $1)
          + (SELECT coalesce(sum(amount), 0) FROM inventory.cogs_adjustments
             WHERE user_id = $1 AND reason = 'unattributed')
          + (SELECT coalesce(sum((payload->'data'->>'value')::numeric), 0)
             FROM inventory.outbox WHERE user_id = $1
             AND subject = 'mpflow.inventory.loss.accrued')
          + (SELECT coalesce(sum(remaining_value), 0) FROM inventory.lots WHERE user_id = $1)
            AS value_out
        """,
        user_id,
    )
    return row["value_in"], row["value_out"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_random_stock_histories_reconcile_to_the_kopeck(
    ops: list[Op],
    client_of: Callable[[Identity], httpx.Client],
    jetstream: Any,
    db: Db,
) -> None:
    user_id, card = uuid.uuid4(), uuid.uuid4()
    db(
        "INSERT INTO inventory.cards (user_id, card_id, sku, title, version) "
        "VALUES ($1, $2, 'P-1', 'p', 1)",
        user_id,
        card,
    )
    client = client_of(Identity(user_id=user_id, account_id=user_id, role="owner", scopes=("*",)))
    tenant = Tenant(client, user_id, card, jetstream)

    for kind, n, m in ops:
        if kind == "receive":
            tenant.receive(n, m)
        elif kind == "sell":
            tenant.sell(n)
        elif kind == "late":
            tenant.late(n, m)
        elif kind == "write_off":
            tenant.write_off(n)
        else:
            tenant.give_back(n, cancel=kind == "cancel")

        report = client.get("/v1/admin/inventory/reconciliation").json()
        assert report["ok"] is True, (kind, report)
        negative = db(
            "SELECT id FROM inventory.lots WHERE user_id = $1 "
            "AND (remaining_qty < 0 OR remaining_value < 0)",
            user_id,
        )
        assert negative == []
        value_in, value_out = _money(db, user_id)
        assert value_in == value_out, (kind, value_in, value_out)
