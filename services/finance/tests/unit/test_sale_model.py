"""The money rules of sales (finance/sale/model.py): revenue, refunds, COGS status, stock
shortages."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.sale.model import (
    LineCosting,
    cogs_status,
    demands,
    fees_total,
    line_revenue,
    refund_for,
    shortages,
)

D = Decimal


def test_revenue_is_qty_times_unit_price_rounded_half_up() -> None:
    assert line_revenue(3, D("33.335")) == D("100.01")
    assert line_revenue(2, D("0.005")) == D("0.01")
    assert line_revenue(7, D("10.00")) == D("70.00")


def test_fees_total_adds_the_fees_by_type() -> None:
    assert fees_total([D("30.00"), D("5.50"), D("0.01")]) == D("35.51")
    assert fees_total([]) == D("0.00")


def test_returning_one_of_three_units_refunds_a_third_rounded() -> None:
    assert refund_for(qty=3, qty_returned=0, revenue=D("100.00"), refunded=D("0"), q=1) == D(
        "33.33"
    )


def test_the_last_units_returned_carry_the_residue() -> None:
    refund = refund_for(qty=3, qty_returned=1, revenue=D("100.00"), refunded=D("33.33"), q=2)

    assert refund == D("66.67")


def test_returning_every_unit_at_once_refunds_the_whole_revenue() -> None:
    assert refund_for(qty=3, qty_returned=0, revenue=D("100.00"), refunded=D("0"), q=3) == D(
        "100.00"
    )


@pytest.mark.parametrize("q", [0, 3, -1])
def test_cannot_return_more_than_is_left_or_nothing(q: int) -> None:
    with pytest.raises(ValueError):
        refund_for(qty=3, qty_returned=1, revenue=D("100.00"), refunded=D("33.33"), q=q)


@given(
    qty=st.integers(1, 50),
    cents=st.integers(0, 10**9),
    data=st.data(),
)
def test_refunds_of_a_fully_returned_line_sum_to_its_revenue(
    qty: int, cents: int, data: st.DataObject
) -> None:
    revenue = D(cents) / 100
    returned, refunded = 0, D("0.00")
    while returned < qty:
        q = data.draw(st.integers(1, qty - returned))
        refund = refund_for(qty=qty, qty_returned=returned, revenue=revenue, refunded=refunded, q=q)
        assert refund >= 0
        returned, refunded = returned + q, refunded + refund

    assert refunded == revenue


def test_a_sale_is_pending_until_every_line_is_costed() -> None:
    lines = [LineCosting(True, 0), LineCosting(False, 0)]

    assert cogs_status(lines, cancelled=False) == "pending"


def test_a_sale_is_partial_while_units_wait_for_stock() -> None:
    lines = [LineCosting(True, 0), LineCosting(True, 2)]

    assert cogs_status(lines, cancelled=False) == "partial"


def test_a_sale_is_costed_when_no_unit_waits() -> None:
    assert cogs_status([LineCosting(True, 0)], cancelled=False) == "costed"


def test_a_cancelled_sale_stays_cancelled() -> None:
    assert cogs_status([LineCosting(True, 0)], cancelled=True) == "cancelled"


def test_shortages_sum_lines_per_card_and_location() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    wanted = demands([(a, "home", 2), (b, "home", 1), (a, "home", 2), (a, "in_transit", 1)])

    short = shortages(wanted, {(a, "home"): 3, (b, "home"): 1, (a, "in_transit"): 0})

    assert [(s.card_id, s.location, s.requested, s.available, s.lines) for s in short] == [
        (a, "home", 4, 3, (0, 2)),
        (a, "in_transit", 1, 0, (3,)),
    ]
