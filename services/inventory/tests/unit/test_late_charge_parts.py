"""How a late charge's share of a line splits between its lots and a loss
(`supplier_order.landed_cost.late_share_parts`, DOMAIN.md §3, §5)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from inventory.supplier_order.landed_cost import late_share_parts


@pytest.mark.parametrize(
    ("received", "closed", "redistribute", "expected"),
    [
        (10, False, True, ("100.00", "0.00")),  # complete: all into the lots
        (10, True, False, ("100.00", "0.00")),
        (3, False, False, ("30.00", "0.00")),  # open: the rest waits for later receipts
        (3, True, True, ("100.00", "0.00")),  # closed, redistribute: all into the lots
        (3, True, False, ("30.00", "70.00")),  # closed, write_off: the rest is a loss
        (0, True, True, ("0.00", "100.00")),  # closed, nothing arrived: all a loss
        (0, False, True, ("0.00", "0.00")),
    ],
)
def test_a_late_share_splits_by_progress_and_policy(
    received: int, closed: bool, redistribute: bool, expected: tuple[str, str]
) -> None:
    parts = late_share_parts(D("100.00"), received, 10, closed=closed, redistribute=redistribute)

    assert parts == (D(expected[0]), D(expected[1]))
    if closed or received == 10:
        assert sum(parts) == D("100.00")


def test_the_received_part_rounds_half_up_and_the_loss_takes_the_residue() -> None:
    assert late_share_parts(D("0.05"), 1, 2, closed=True, redistribute=False) == (
        D("0.03"),
        D("0.02"),
    )
