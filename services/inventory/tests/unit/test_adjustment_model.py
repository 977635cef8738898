"""Stock operation rules: stocktake differences and the value a transfer moves (§5, §6)."""

from __future__ import annotations

import uuid
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.adjustment.model import count_differences, transfer_value


def test_count_differences_compare_counted_with_expected_in_counted_order() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    diffs = count_differences([(a, 3), (b, 1), (c, 2)], {a: 2, b: 5})

    assert [(d.card_id, d.expected_qty, d.difference) for d in diffs] == [
        (a, 2, 1),
        (b, 5, -4),
        (c, 0, 2),
    ]


def test_moving_the_whole_balance_moves_all_its_value() -> None:
    assert transfer_value(3, D("10.00"), 3) == D("10.00")


def test_moving_part_of_a_balance_moves_its_average_cost() -> None:
    assert transfer_value(3, D("10.00"), 1) == D("3.33")


@given(
    qty=st.integers(1, 50),
    value=st.decimals(D("0"), D("99999.99"), places=2),
    data=st.data(),
)
def test_moving_a_balance_piece_by_piece_moves_exactly_its_value(
    qty: int, value: D, data: st.DataObject
) -> None:
    moved = D(0)
    left_qty, left_value = qty, value
    while left_qty:
        n = data.draw(st.integers(1, left_qty))
        part = transfer_value(left_qty, left_value, n)
        moved += part
        left_qty, left_value = left_qty - n, left_value - part
        assert left_value >= 0

    assert moved == value


@pytest.mark.parametrize("qty", [0, 4])
def test_a_transfer_must_fit_the_balance(qty: int) -> None:
    with pytest.raises(ValueError):
        transfer_value(3, D("10.00"), qty)
