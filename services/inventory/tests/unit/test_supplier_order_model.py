"""The pure rules of supplier orders: state machine, edit and cancel rules, snapshots."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from inventory.supplier_order import model
from inventory.supplier_order.model import LineProgress


def line(qty_received: int, qty_ordered: int = 10, no: int = 1) -> LineProgress:
    return LineProgress(no, f"SKU-{no}", qty_ordered, qty_received)


@pytest.mark.parametrize(
    ("current", "target"),
    [("draft", "ordered"), ("ordered", "in_transit"), ("ordered", "ordered")],
)
def test_the_user_moves_an_order_forward_one_step_or_repeats_its_status(
    current: model.Status, target: model.UserStatus
) -> None:
    assert model.transition_problem(current, target) is None


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("draft", "in_transit"),
        ("in_transit", "ordered"),
        ("partially_received", "in_transit"),
        ("received", "ordered"),
        ("cancelled", "ordered"),
    ],
)
def test_any_other_move_is_refused_with_a_reason(
    current: model.Status, target: model.UserStatus
) -> None:
    problem = model.transition_problem(current, target)

    assert problem is not None
    assert f"from {current} to {target}" in problem


def test_only_a_draft_is_editable() -> None:
    statuses = ["draft", "ordered", "in_transit", "partially_received", "received", "cancelled"]

    assert [model.is_editable(s) for s in statuses] == [True] + [False] * 5  # type: ignore[arg-type]


def test_an_order_with_nothing_received_can_be_cancelled_in_any_open_status() -> None:
    for status in ("draft", "ordered", "in_transit", "cancelled"):
        assert model.cancel_problem(status, [line(0), line(0, no=2)]) is None  # type: ignore[arg-type]


def test_received_units_block_cancelling_and_the_reason_names_the_lines() -> None:
    problem = model.cancel_problem("partially_received", [line(0), line(3, no=2)])

    assert problem is not None
    assert "line(s) 2 (SKU-2)" in problem


def test_charges_are_refused_only_on_a_cancelled_order() -> None:
    assert model.charge_problem("received") is None
    assert model.charge_problem("cancelled") is not None


def test_the_base_currency_takes_rate_1_and_others_any_positive_rate() -> None:
    assert model.fx_rate_problem("RUB", D("1")) is None
    assert model.fx_rate_problem("RUB", D("1.0000")) is None
    assert model.fx_rate_problem("RUB", D("12.5")) is not None
    assert model.fx_rate_problem("CNY", D("12.5")) is None
    assert model.fx_rate_problem("CNY", D("0")) is not None


def test_snapshots_convert_grams_to_kg_and_millimetres_to_litres() -> None:
    assert model.weight_kg(200) == D("0.2")
    assert model.weight_kg(None) is None
    assert model.volume_l(100, 200, 55) == D("1.1")
    assert model.volume_l(1, 1, 50) == D("0.0001")  # 0.00005 l, half-up to 4 dp
    assert model.volume_l(100, None, 50) is None


def test_generated_numbers_are_zero_padded_to_six_digits() -> None:
    assert model.order_number(1) == "PO-000001"
    assert model.order_number(1234567) == "PO-1234567"


def test_the_landed_unit_cost_is_rounded_half_up_to_4_dp() -> None:
    assert model.landed_unit_cost(D("13982.14"), 100) == D("139.8214")
    assert model.landed_unit_cost(D("28392.86"), 50) == D("567.8572")
