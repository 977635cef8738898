"""Charges of supplier orders and their server-side allocation (DOMAIN.md §2, §4a, §5):
the public worked example to the kopeck, every method, the 422s that name lines, stored values
equal to a fresh computation, and charges that arrive after goods were received."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

Db = Callable[..., list[dict[str, Any]]]
ORDERS = "/v1/admin/supplier-orders"
ALICE_ID = UUID("00000000-0000-7000-8000-00000000a11c")


@pytest.fixture
def make_order(alice: httpx.Client) -> Callable[..., dict[str, Any]]:
    """`make_order([(card, qty, price), ...], fx_rate=...)`: a draft of alice's in CNY."""
    supplier = alice.post("/v1/admin/suppliers", json={"name": "Yiwu Trading"}).json()

    def make(lines: list[tuple[UUID, int, str]], fx_rate: str = "12.5") -> dict[str, Any]:
        response = alice.post(
            ORDERS,
            json={
                "supplier_id": supplier["id"],
                "fx_rate": fx_rate,
                "fx_rate_date": "2026-03-02",
                "lines": [{"card_id": str(c), "qty": q, "unit_price": p} for c, q, p in lines],
            },
        )
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    return make


@pytest.fixture
def example(
    add_card: Callable[..., UUID], make_order: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """DOMAIN.md §2: A 100 × 10 CNY at 0.2 kg (1.5 l), B 50 × 40 CNY at 1.0 kg (3 l), 12.5."""
    a = add_card("A", weight_g=200, dims=(100, 150, 100))
    b = add_card("B", weight_g=1000, dims=(100, 300, 100))
    return make_order([(a, 100, "10"), (b, 50, "40")])


def _charge(client: httpx.Client, order: dict[str, Any], **body: Any) -> httpx.Response:
    return client.post(f"{ORDERS}/{order['id']}/charges", json={"kind": "other", **body})


def _shares(response: httpx.Response) -> list[str]:
    assert response.status_code == 201, response.text
    return [share["amount_base"] for share in response.json()["allocation"]]


def test_the_public_worked_example_through_the_api_to_the_kopeck(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    freight = _charge(alice, example, kind="freight", amount="3000", method="by_weight")
    customs = _charge(alice, example, kind="customs", amount="1875", method="by_value")

    order = alice.get(f"{ORDERS}/{example['id']}").json()

    assert [x["line_value_base"] for x in example["lines"]] == ["12500.00", "25000.00"]
    assert _shares(freight) == ["857.14", "2142.86"]
    assert _shares(customs) == ["625.00", "1250.00"]
    assert [x["landed_value"] for x in order["lines"]] == ["13982.14", "28392.86"]
    assert [x["landed_unit_cost"] for x in order["lines"]] == ["139.8214", "567.8572"]
    assert order["totals"]["charges_base"] == "4875.00"
    assert order["totals"]["landed_value"] == "42375.00"
    assert [(c["kind"], c["amount_base"]) for c in order["charges"]] == [
        ("freight", "3000.00"),
        ("customs", "1875.00"),
    ]


def test_the_allocation_view_explains_bases_shares_and_unit_costs(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    _charge(alice, example, kind="freight", amount="3000", method="by_weight")
    _charge(alice, example, kind="customs", amount="1875", method="by_value")

    view = alice.get(f"{ORDERS}/{example['id']}/allocation").json()

    assert [
        (c["kind"], c["method"], c["amount_base"], c["basis_total"]) for c in view["charges"]
    ] == [("freight", "by_weight", "3000.00", "70"), ("customs", "by_value", "1875.00", "37500")]
    a, b = view["lines"]
    assert [(s["kind"], s["basis"], s["amount_base"]) for s in a["shares"]] == [
        ("freight", "20", "857.14"),
        ("customs", "12500", "625.00"),
    ]
    assert [(s["basis"], s["amount_base"]) for s in b["shares"]] == [
        ("50", "2142.86"),
        ("25000", "1250.00"),
    ]
    assert (a["charges_base"], a["landed_value"], a["landed_unit_cost"]) == (
        "1482.14",
        "13982.14",
        "139.8214",
    )
    assert (b["landed_unit_cost"], view["base_currency"], view["fx_rate"]) == (
        "567.8572",
        "RUB",
        "12.5",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"amount": "300", "method": "by_quantity"}, ["200.00", "100.00"]),
        ({"amount": "100.01", "method": "by_volume"}, ["50.01", "50.00"]),  # 150 l each
        ({"amount": "0.05", "method": "equal"}, ["0.03", "0.02"]),
        ({"amount": "1000", "method": "by_value"}, ["333.33", "666.67"]),
        (
            {"amount": "10", "currency": "CNY", "fx_rate": "12.5", "method": "by_weight"},
            ["35.71", "89.29"],
        ),
    ],
)
def test_every_method_splits_on_its_basis_by_largest_remainder(
    alice: httpx.Client, example: dict[str, Any], body: dict[str, Any], expected: list[str]
) -> None:
    response = _charge(alice, example, **body)

    assert _shares(response) == expected
    assert sum(Decimal(x) for x in expected) == Decimal(response.json()["amount_base"])


def test_a_manual_charge_takes_the_amounts_given_per_line(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    a, b = (line["id"] for line in example["lines"])

    rub = _charge(alice, example, amount="500", method="manual", manual={a: "120.5", b: "379.5"})
    cny = _charge(
        alice,
        example,
        amount="10",
        currency="CNY",
        fx_rate="12.345",
        method="manual",
        manual={a: "3.33", b: "6.67"},
    )

    assert _shares(rub) == ["120.50", "379.50"]
    assert rub.json()["manual"] == {a: "120.50", b: "379.50"}
    assert cny.json()["amount_base"] == "123.45"
    assert _shares(cny) == ["41.11", "82.34"]


def test_a_charge_in_a_foreign_currency_is_converted_at_its_own_rate(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    response = _charge(
        alice, example, amount="33.33", currency="usd", fx_rate="92.345", method="equal"
    )

    body = response.json()
    assert (body["currency"], body["fx_rate"], body["amount_base"]) == ("USD", "92.345", "3077.86")
    assert _shares(response) == ["1538.93", "1538.93"]


def test_by_weight_over_lines_without_weight_is_a_422_naming_them(
    alice: httpx.Client, add_card: Callable[..., UUID], make_order: Callable[..., dict[str, Any]]
) -> None:
    heavy = add_card("HEAVY", weight_g=500)
    bare = add_card("BARE-1")
    order = make_order([(heavy, 1, "1"), (bare, 2, "1")])

    response = _charge(alice, order, kind="freight", amount="100", method="by_weight")

    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "missing_weight"
    assert "line 2 (BARE-1)" in body["detail"]
    assert body["lines"] == [{"line_id": order["lines"][1]["id"], "line_no": 2, "sku": "BARE-1"}]
    assert alice.get(f"{ORDERS}/{order['id']}").json()["charges"] == []


def test_by_volume_over_lines_without_dimensions_is_a_422_naming_them(
    alice: httpx.Client, add_card: Callable[..., UUID], make_order: Callable[..., dict[str, Any]]
) -> None:
    order = make_order([(add_card("FLAT", weight_g=10), 1, "1")])

    response = _charge(alice, order, amount="100", method="by_volume")

    assert response.status_code == 422
    assert response.json()["error_code"] == "missing_volume"
    assert "line 1 (FLAT)" in response.json()["detail"]


@pytest.mark.parametrize(
    "manual",
    [
        lambda a, b: {a: "100", b: "399.99"},  # sums to 499.99
        lambda a, b: {a: "500", str(uuid.uuid4()): "0"},  # a line of no order
        lambda a, b: {a: "600", b: "-100"},  # the wrong sign
    ],
)
def test_manual_amounts_that_do_not_fit_the_charge_are_a_422(
    alice: httpx.Client, example: dict[str, Any], manual: Callable[[str, str], dict[str, str]]
) -> None:
    a, b = (line["id"] for line in example["lines"])

    response = _charge(alice, example, amount="500", method="manual", manual=manual(a, b))

    assert response.status_code == 422
    assert response.json()["error_code"] == "manual_mismatch"


def test_a_zero_basis_and_a_negative_landed_value_are_422s(
    alice: httpx.Client, add_card: Callable[..., UUID], make_order: Callable[..., dict[str, Any]]
) -> None:
    order = make_order([(add_card("FREE", weight_g=0), 10, "1")])

    zero = _charge(alice, order, amount="10", method="by_weight")
    negative = _charge(alice, order, amount="-1000", method="equal")
    discount = _charge(alice, order, kind="other", amount="-25", method="equal")

    assert (zero.status_code, zero.json()["error_code"]) == (422, "zero_basis")
    assert (negative.status_code, negative.json()["error_code"]) == (422, "negative_landed_value")
    assert _shares(discount) == ["-25.00"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1", "method": "equal", "currency": "CNY"}, "fx_rate"),
        ({"amount": "1", "method": "equal", "fx_rate": "2"}, "fx_rate"),
        ({"amount": "1", "method": "equal", "currency": "CNY", "fx_rate": "0"}, "fx_rate"),
        ({"amount": "1", "method": "equal", "currency": "YUAN", "fx_rate": "1"}, "currency"),
        ({"amount": "1", "method": "by_price"}, "method"),
        ({"amount": "1", "method": "equal", "kind": "bribe"}, "kind"),
        ({"amount": "1.001", "method": "equal"}, "amount"),
        ({"amount": "1e13", "method": "equal"}, "amount"),
        ({"amount": "NaN", "method": "equal"}, "amount"),
        ({"amount": "1", "method": "manual"}, "body"),
        ({"amount": "1", "method": "equal", "manual": {}}, "body"),
        ({"amount": "1", "method": "equal", "paid": True}, "paid"),
    ],
)
def test_bad_charge_input_is_a_422_naming_the_field(
    alice: httpx.Client, example: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = _charge(alice, example, **body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [p["name"].split(".")[0] for p in response.json()["invalid_params"]]


def test_a_charge_whose_base_amount_is_too_large_is_a_422(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    response = _charge(
        alice, example, amount="999999999999.99", currency="USD", fx_rate="100", method="equal"
    )

    assert response.status_code == 422
    assert response.json()["error_code"] == "invalid_order"


def _stored(db: Db, order_id: str) -> dict[str, Any]:
    """What the database holds of an order's landed cost."""
    oid = UUID(order_id)
    return {
        "lines": db(
            "SELECT line_no, line_value_base, landed_value FROM inventory.supplier_order_lines "
            "WHERE order_id = $1 ORDER BY line_no",
            oid,
        ),
        "charges": db(
            "SELECT c.kind, c.amount_base, sum(a.amount_base) AS allocated "
            "FROM inventory.order_charges c JOIN inventory.charge_allocations a "
            "ON a.charge_id = c.id WHERE c.order_id = $1 GROUP BY c.id ORDER BY c.created_at",
            oid,
        ),
    }


def test_changing_the_rate_or_lines_recomputes_every_stored_value(
    alice: httpx.Client, example: dict[str, Any], db: Db
) -> None:
    _charge(alice, example, kind="freight", amount="3000", method="by_weight")
    _charge(alice, example, kind="customs", amount="1875", method="by_value")
    a, b = example["lines"]
    body = {
        "supplier_id": example["supplier_id"],
        "fx_rate": "13",
        "fx_rate_date": "2026-03-05",
        "lines": [
            {"id": a["id"], "card_id": a["card_id"], "qty": 100, "unit_price": "10"},
            {"id": b["id"], "card_id": b["card_id"], "qty": 100, "unit_price": "40"},
        ],
    }

    response = alice.put(f"{ORDERS}/{example['id']}", json=body)

    assert response.status_code == 200, response.text
    # values 13 000 / 52 000; weight 20 / 100 kg; customs by value 1/5 and 4/5
    assert _stored(db, example["id"]) == {
        "lines": [
            {
                "line_no": 1,
                "line_value_base": Decimal("13000.00"),
                "landed_value": Decimal("13875.00"),
            },
            {
                "line_no": 2,
                "line_value_base": Decimal("52000.00"),
                "landed_value": Decimal("56000.00"),
            },
        ],
        "charges": [
            {"kind": "freight", "amount_base": Decimal("3000.00"), "allocated": Decimal("3000.00")},
            {"kind": "customs", "amount_base": Decimal("1875.00"), "allocated": Decimal("1875.00")},
        ],
    }


def test_an_edit_that_breaks_a_charge_is_refused_and_changes_nothing(
    alice: httpx.Client, example: dict[str, Any], add_card: Callable[..., UUID]
) -> None:
    _charge(alice, example, kind="freight", amount="3000", method="by_weight")
    bare = add_card("BARE-9")
    a = example["lines"][0]
    body = {
        "supplier_id": example["supplier_id"],
        "fx_rate": "12.5",
        "fx_rate_date": "2026-03-02",
        "lines": [
            {"id": a["id"], "card_id": a["card_id"], "qty": 100, "unit_price": "10"},
            {"card_id": str(bare), "qty": 1, "unit_price": "1"},
        ],
    }

    response = alice.put(f"{ORDERS}/{example['id']}", json=body)

    assert response.status_code == 422
    assert response.json()["error_code"] == "missing_weight"
    assert "line 2 (BARE-9)" in response.json()["detail"]
    after = alice.get(f"{ORDERS}/{example['id']}").json()
    assert [x["sku"] for x in after["lines"]] == ["A", "B"]


def test_charges_can_be_added_while_ordered_or_in_transit(
    alice: httpx.Client, example: dict[str, Any]
) -> None:
    alice.post(f"{ORDERS}/{example['id']}/status", json={"status": "ordered"})
    alice.post(f"{ORDERS}/{example['id']}/status", json={"status": "in_transit"})

    response = _charge(alice, example, kind="freight", amount="3000", method="by_weight")

    assert _shares(response) == ["857.14", "2142.86"]
    assert response.json()["after_receipt"] is False


# --- after receipt ------------------------------------------------------------------------------


def _receive(db: Db, order: dict[str, Any], line_index: int, qty: int) -> UUID:
    """Book `qty` units of a line as received (a receipt and its lot at the line's unit
    value), the way the receipt use case leaves the tables; the lot's id."""
    line = order["lines"][line_index]
    value = (Decimal(line["landed_value"]) * qty / line["qty_ordered"]).quantize(Decimal("0.01"))
    receipt_id, lot_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    db(
        "INSERT INTO inventory.receipts (id, user_id, order_id, received_at) "
        "VALUES ($1, $2, $3, $4)",
        receipt_id,
        ALICE_ID,
        UUID(order["id"]),
        now,
    )
    db(
        "INSERT INTO inventory.lots (id, user_id, card_id, source, receipt_id, order_line_id, "
        "received_at, initial_qty, remaining_qty, initial_value, remaining_value) "
        "VALUES ($1, $2, $3, 'receipt', $4, $5, $6, $7, $7, $8, $8)",
        lot_id,
        ALICE_ID,
        UUID(line["card_id"]),
        receipt_id,
        UUID(line["id"]),
        now,
        qty,
        value,
    )
    db(
        "UPDATE inventory.supplier_order_lines SET qty_received = $2, value_received = $3 "
        "WHERE id = $1",
        UUID(line["id"]),
        qty,
        value,
    )
    db(
        "UPDATE inventory.supplier_orders SET status = $2 WHERE id = $1",
        UUID(order["id"]),
        "received" if qty == line["qty_ordered"] else "partially_received",
    )
    return lot_id


def test_a_charge_after_receipt_raises_the_landed_value_and_the_received_lots(
    alice: httpx.Client, example: dict[str, Any], db: Db
) -> None:
    lot_a = _receive(db, example, 0, 100)
    lot_b = _receive(db, example, 1, 50)

    response = _charge(alice, example, kind="freight", amount="3000", method="by_weight")

    assert response.status_code == 201, response.text
    assert response.json()["after_receipt"] is True
    assert _shares(response) == ["857.14", "2142.86"]
    order = alice.get(f"{ORDERS}/{example['id']}").json()
    assert [x["landed_value"] for x in order["lines"]] == ["13357.14", "27142.86"]
    assert [x["value_received"] for x in order["lines"]] == ["13357.14", "27142.86"]
    lots = db(
        "SELECT id, remaining_value FROM inventory.lots WHERE id = ANY($1) "
        "ORDER BY initial_qty DESC",
        [lot_a, lot_b],
    )
    assert [(r["id"], r["remaining_value"]) for r in lots] == [
        (lot_a, Decimal("13357.14")),
        (lot_b, Decimal("27142.86")),
    ]


def test_a_charge_after_a_partial_receipt_reaches_the_lots_for_their_units_only(
    alice: httpx.Client, example: dict[str, Any], db: Db
) -> None:
    lot_a = _receive(db, example, 0, 40)  # 40 of 100 units of A

    response = _charge(alice, example, kind="customs", amount="1875", method="by_value")

    assert response.json()["after_receipt"] is True
    a, b = alice.get(f"{ORDERS}/{example['id']}").json()["lines"]
    assert (a["landed_value"], a["value_received"]) == ("13125.00", "5250.00")  # 5000 + 250
    assert (b["landed_value"], b["value_received"]) == ("26250.00", "0.00")
    (lot,) = db("SELECT remaining_value FROM inventory.lots WHERE id = $1", lot_a)
    assert lot["remaining_value"] == Decimal("5250.00")
