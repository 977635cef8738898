"""Receipt planning rules (DOMAIN.md §3, §4a): lots per line, over-receipt, shortages."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.receipt.model import (
    OrderLine,
    ReceiptRejected,
    order_status,
    plan_receipt,
    unreceived_lines,
)


def line(qty: int, landed: str, received: int = 0, value: str = "0") -> OrderLine:
    return OrderLine(uuid.uuid4(), uuid.uuid4(), qty, received, D(landed), D(value))


def test_each_requested_line_gets_one_lot_at_its_receipt_value() -> None:
    a, b = line(3, "100.00"), line(7, "1000.01")

    plan = plan_receipt([a, b], [(a.id, 1), (b.id, 2)], close=False)

    assert [(lot.order_line_id, lot.qty, lot.value) for lot in plan.lots] == [
        (a.id, 1, D("33.33")),
        (b.id, 2, D("285.72")),
    ]
    assert [(ln.qty_received, ln.value_received) for ln in plan.lines_after] == [
        (1, D("33.33")),
        (2, D("285.72")),
    ]
    assert plan.value == D("319.05")
    assert plan.shortages == ()


def test_the_completing_receipt_takes_the_residue() -> None:
    a = line(3, "100.00", received=2, value="66.67")

    plan = plan_receipt([a], [(a.id, 1)], close=False)

    assert plan.lots[0].value == D("33.33")


@given(
    qty=st.integers(1, 60),
    landed=st.decimals(D("0"), D("99999.99"), places=2),
    data=st.data(),
)
def test_repeated_receipts_sum_to_the_landed_value(
    qty: int, landed: D, data: st.DataObject
) -> None:
    current = line(qty, str(landed))
    total = D(0)
    while current.qty_open:
        n = data.draw(st.integers(1, current.qty_open))
        plan = plan_receipt([current], [(current.id, n)], close=False)
        total += plan.value
        (current,) = plan.lines_after

    assert total == landed
    assert current.value_received == landed


@pytest.mark.parametrize(
    ("requested", "field", "reason"),
    [
        ([("a", 4)], "lines.0.qty", "over-receipt"),
        ([("a", 1), ("a", 1)], "lines.1.order_line_id", "twice"),
        ([("x", 1)], "lines.0.order_line_id", "not a line"),
    ],
)
def test_impossible_receipts_are_refused_naming_the_field(
    requested: list[tuple[str, int]], field: str, reason: str
) -> None:
    a = line(5, "50.00", received=2, value="20.00")
    ids = {"a": a.id, "x": uuid.uuid4()}

    with pytest.raises(ReceiptRejected) as caught:
        plan_receipt([a], [(ids[k], n) for k, n in requested], close=False)

    ((name, why),) = caught.value.problems
    assert name == field and reason in why


def test_closing_reports_each_short_line_with_its_missing_value() -> None:
    a, b, c = line(3, "100.00"), line(2, "20.00"), line(1, "5.00", received=1, value="5.00")

    plan = plan_receipt([a, b, c], [(a.id, 2)], close=True)

    assert [(s.order_line_id, s.qty, s.value, s.has_lots) for s in plan.shortages] == [
        (a.id, 1, D("33.33"), True),
        (b.id, 2, D("20.00"), False),
    ]


@pytest.mark.parametrize(
    ("received", "closed", "before", "expected"),
    [
        ((3, 2), False, "ordered", "received"),
        ((1, 0), False, "ordered", "partially_received"),
        ((1, 0), True, "partially_received", "received"),
        ((0, 0), False, "in_transit", "in_transit"),
        ((0, 0), False, "partially_received", "ordered"),
    ],
)
def test_order_status_follows_the_received_quantities(
    received: tuple[int, int], closed: bool, before: str, expected: str
) -> None:
    lines = [line(3, "1", received=received[0]), line(2, "1", received=received[1])]

    assert order_status(lines, closed=closed, before=before) == expected


def test_unreceived_lines_give_back_quantity_and_value() -> None:
    a = line(5, "50.00", received=5, value="50.00")

    (after,) = unreceived_lines([a], {a.id: (3, D("30.00"))})

    assert (after.qty_received, after.value_received) == (2, D("20.00"))


def test_closing_short_leaves_the_short_lines_value_received_at_their_landed_value() -> None:
    a, b = line(10, "100.00"), line(4, "40.00", received=4, value="40.00")

    plan = plan_receipt([a, b], [(a.id, 5)], close=True)

    assert [(s.order_line_id, s.value) for s in plan.shortages] == [(a.id, D("50.00"))]
    assert [(ln.qty_received, ln.value_received) for ln in plan.lines_after] == [
        (5, D("100.00")),
        (4, D("40.00")),
    ]
