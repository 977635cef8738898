"""FIFO lots, consumption, late values and returns (DOMAIN.md §3–§5, §4a)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from inventory.costing.fifo import (
    LateSplit,
    LotState,
    ReceiptExceedsOrder,
    adjustment_value,
    average_unit_cost,
    consume,
    receipt_value,
    restock_return,
    split_late_value,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def lot(
    lot_id: str,
    qty: int,
    value: str,
    remaining: int | None = None,
    rest: str | None = None,
    day: int = 0,
) -> LotState[str]:
    """A lot received `day` days after T0; `remaining`/`rest` default to untouched."""
    return LotState(
        lot_id,
        T0 + timedelta(days=day),
        qty,
        qty if remaining is None else remaining,
        D(value),
        D(value if rest is None else rest),
    )


# ---- receipts ---------------------------------------------------------------------------


def test_a_partial_receipt_takes_its_share_of_the_landed_value_rounded_half_up() -> None:
    assert receipt_value(D("13982.14"), 100, 0, D("0"), 30) == D("4194.64")


def test_the_receipt_completing_the_line_takes_the_residue() -> None:
    first = receipt_value(D("10.00"), 3, 0, D("0"), 1)
    second = receipt_value(D("10.00"), 3, 1, first, 1)

    last = receipt_value(D("10.00"), 3, 2, first + second, 1)

    assert (first, second, last) == (D("3.33"), D("3.33"), D("3.34"))


def test_a_single_receipt_of_the_whole_line_takes_the_whole_landed_value() -> None:
    assert receipt_value(D("28392.86"), 50, 0, D("0"), 50) == D("28392.86")


def test_partial_receipts_of_a_tiny_unit_value_never_leave_the_last_one_negative() -> None:
    received = D("0")
    values = []
    for before in range(6):
        values.append(receipt_value(D("0.03"), 6, before, received, 1))
        received += values[-1]

    assert values == [D("0.01"), D("0.01"), D("0.01"), D("0.00"), D("0.00"), D("0.00")]
    assert received == D("0.03")


def test_receiving_more_than_ordered_is_refused() -> None:
    with pytest.raises(ReceiptExceedsOrder):
        receipt_value(D("10"), 3, 2, D("6.67"), 2)


# ---- consumption ------------------------------------------------------------------------


def test_fifo_consumes_the_oldest_lot_first_and_continues_into_the_next() -> None:
    lots = [lot("L1", 5, "50.00", day=0), lot("L2", 10, "120.00", day=1)]

    used = consume(lots, 7)

    assert [(a.lot_id, a.qty, a.cost) for a in used.allocations] == [
        ("L1", 5, D("50.00")),
        ("L2", 2, D("24.00")),
    ]
    assert (used.filled, used.pending, used.cost) == (7, 0, D("74.00"))
    assert [(x.remaining_qty, x.remaining_value) for x in used.lots] == [
        (0, D("0.00")),
        (8, D("96.00")),
    ]


def test_the_last_unit_out_of_a_lot_carries_the_residue() -> None:
    state = lot("L1", 3, "10.00")
    costs = []
    for _ in range(3):
        used = consume([state], 1)
        costs.append(used.cost)
        state = used.lots[0]

    assert costs == [D("3.33"), D("3.34"), D("3.33")]  # 6.67 / 2 = 3.335 half-up, then the rest
    assert (state.remaining_qty, state.remaining_value) == (0, D("0.00"))


def test_a_sale_beyond_the_stock_fills_what_exists_and_leaves_the_rest_pending() -> None:
    used = consume([lot("L1", 4, "40.00")], 10)

    assert (used.filled, used.pending, used.cost) == (4, 6, D("40.00"))


def test_a_sale_with_no_stock_is_entirely_pending() -> None:
    used = consume([lot("L1", 4, "40.00", remaining=0, rest="0")], 3)

    assert (used.allocations, used.filled, used.pending) == ((), 0, 3)


def test_empty_lots_are_skipped() -> None:
    lots = [lot("L1", 4, "40.00", remaining=0, rest="0", day=0), lot("L2", 4, "8.00", day=1)]

    used = consume(lots, 1)

    assert [(a.lot_id, a.cost) for a in used.allocations] == [("L2", D("2.00"))]


def test_lots_out_of_fifo_order_are_refused() -> None:
    with pytest.raises(ValueError):
        consume([lot("L2", 1, "1", day=1), lot("L1", 1, "1", day=0)], 1)


# ---- late values ------------------------------------------------------------------------


def test_a_late_charge_after_60_percent_of_a_lot_is_sold_splits_into_on_hand_and_cogs() -> None:
    sold = lot("L1", 10, "1000.00", remaining=4, rest="400.00")

    split = split_late_value(D("100.00"), [sold], {"L1": [("a1", 4), ("a2", 2)]})

    assert (split.lots[0].on_hand, split.lots[0].consumed) == (D("40.00"), D("60.00"))
    assert [(a.allocation_id, a.lot_id, a.amount) for a in split.allocations] == [
        ("a1", "L1", D("40.00")),
        ("a2", "L1", D("20.00")),
    ]
    assert (split.on_hand, split.consumed, split.unattributed) == (D("40.00"), D("60.00"), D(0))


def test_a_late_value_is_split_over_lots_by_initial_quantity_ties_to_the_earlier_lot() -> None:
    lots = [lot("L1", 1, "5", day=0), lot("L2", 1, "5", day=1)]

    split: LateSplit[str, str] = split_late_value(D("0.01"), lots, {})

    assert [x.share for x in split.lots] == [D("0.01"), D("0.00")]
    assert split.on_hand == D("0.01")


def test_the_consumed_part_goes_only_to_allocations_still_open() -> None:
    sold = lot("L1", 3, "30.00", remaining=0, rest="0")

    split = split_late_value(D("1.00"), [sold], {"L1": [("a1", 0), ("a2", 1), ("a3", 2)]})

    assert [(a.allocation_id, a.amount) for a in split.allocations] == [
        ("a2", D("0.33")),
        ("a3", D("0.67")),
    ]


def test_a_consumed_part_with_no_open_allocation_is_returned_unattributed() -> None:
    written_off = lot("L1", 10, "100.00", remaining=5, rest="50.00")

    split = split_late_value(D("10.00"), [written_off], {"L1": [("a1", 0)]})

    assert split.allocations == ()
    assert (split.lots[0].on_hand, split.lots[0].unattributed) == (D("5.00"), D("5.00"))
    assert split.unattributed == split.consumed == D("5.00")


def test_a_negative_late_value_is_split_exactly_with_its_sign() -> None:
    lots = [lot("L1", 10, "1000.00", remaining=4, rest="400.00", day=0), lot("L2", 5, "50", day=1)]

    split = split_late_value(D("-100.01"), lots, {"L1": [("a1", 3), ("a2", 3)]})

    assert [x.share for x in split.lots] == [D("-66.67"), D("-33.34")]
    assert [(x.on_hand, x.consumed) for x in split.lots] == [
        (D("-26.67"), D("-40.00")),
        (D("-33.34"), D("0.00")),
    ]
    assert [a.amount for a in split.allocations] == [D("-20.00"), D("-20.00")]


def test_a_refund_larger_than_a_lot_stock_value_leaves_it_at_zero_and_credits_cogs() -> None:
    sold = lot("L1", 10, "100.00", remaining=5, rest="50.00")

    split = split_late_value(D("-400.00"), [sold], {"L1": [("a1", 5)]})

    assert (split.lots[0].on_hand, split.lots[0].consumed) == (D("-50.00"), D("-350.00"))
    assert [a.amount for a in split.allocations] == [D("-350.00")]


def test_a_late_value_on_a_line_with_no_lots_is_refused() -> None:
    with pytest.raises(ValueError):
        split_late_value(D("1"), [], {})


# ---- returns and adjustments ------------------------------------------------------------


def test_returning_a_whole_allocation_puts_back_its_whole_cost() -> None:
    assert restock_return(3, D("10.00"), 3) == D("10.00")


def test_returning_part_of_an_allocation_puts_back_its_share_rounded_half_up() -> None:
    assert restock_return(3, D("10.00"), 1) == D("3.33")
    assert restock_return(2, D("6.67"), 1) == D("3.34")


def test_returning_an_allocation_a_refund_made_negative_puts_back_nothing() -> None:
    assert restock_return(2, D("-0.01"), 1) == D("0.00")
    assert restock_return(2, D("-5.00"), 2) == D("0.00")


def test_returning_more_than_the_allocation_holds_is_refused() -> None:
    with pytest.raises(ValueError):
        restock_return(2, D("6.67"), 3)


def test_the_average_unit_cost_weighs_remaining_value_by_remaining_units() -> None:
    lots = [lot("L1", 3, "10.00"), lot("L2", 4, "9", remaining=0, rest="0")]

    assert average_unit_cost(lots) == D("3.3333")
    assert adjustment_value(2, D("3.3333")) == D("6.67")


def test_there_is_no_average_cost_without_remaining_stock() -> None:
    assert average_unit_cost([lot("L1", 3, "10.00", remaining=0, rest="0")]) is None
    assert average_unit_cost([]) is None


# ---- properties -------------------------------------------------------------------------

kopecks = st.decimals(min_value=-1000, max_value=1000, places=2)


@given(
    kopecks,
    st.lists(st.tuples(st.integers(1, 20), st.integers(0, 20)), min_size=1, max_size=5),
    st.lists(st.integers(0, 5), max_size=5),
)
def test_a_late_value_always_splits_exactly(
    value: D, sizes: list[tuple[int, int]], open_qty: list[int]
) -> None:
    lots = [
        lot(f"L{i}", n, "100.00", remaining=min(r, n), rest="100.00" if r else "0", day=i)
        for i, (n, r) in enumerate(sizes)
    ]
    allocations = {"L0": [(f"a{j}", q) for j, q in enumerate(open_qty)]}

    split = split_late_value(value, lots, allocations)

    assert sum(x.share for x in split.lots) == value
    assert split.on_hand + split.consumed == value
    assert sum(a.amount for a in split.allocations) + split.unattributed == split.consumed
    for state, part in zip(lots, split.lots, strict=True):
        assert state.remaining_value + part.on_hand >= 0
        assert state.remaining_qty or part.on_hand == 0


@dataclass
class Alloc:
    lot_id: int
    qty: int
    cost: D


class LineLedger(RuleBasedStateMachine):
    """One order line (one card) driven through receipts, sales, late charges, returns and
    positive adjustments, with the value identity of §4a checked after every step."""

    @initialize(
        qty_ordered=st.integers(1, 60),
        landed=st.one_of(
            st.decimals(min_value=0, max_value=1, places=2),
            st.decimals(min_value=0, max_value=100_000, places=2),
        ),
    )
    def order(self, qty_ordered: int, landed: D) -> None:
        self.qty_ordered, self.landed = qty_ordered, landed
        self.lots: dict[int, LotState[int]] = {}
        self.allocations: dict[int, Alloc] = {}
        self.qty_received, self.value_received = 0, D(0)
        self.value_in = D(0)  # landed value received + positive adjustments
        self.late_total = D(0)
        self.cogs = D(0)  # COGS + adjustments − returns put back, as finance would book it
        self.unattributed = D(0)
        self.pending = 0
        self.refunded = False

    def _fifo(self) -> list[LotState[int]]:
        return [self.lots[k] for k in sorted(self.lots)]

    def _add_lot(self, qty: int, value: D) -> None:
        lot_id = len(self.lots)
        self.lots[lot_id] = LotState(lot_id, T0 + timedelta(hours=lot_id), qty, qty, value, value)
        self.value_in += value

    def _sell(self, qty: int) -> int:
        used = consume(self._fifo(), qty)
        for after in used.lots:
            self.lots[after.lot_id] = after
        for take in used.allocations:
            self.allocations[len(self.allocations)] = Alloc(take.lot_id, take.qty, take.cost)
        self.cogs += used.cost
        return used.pending

    @precondition(lambda self: self.qty_received < self.qty_ordered)
    @rule(n=st.integers(1, 60))
    def receive(self, n: int) -> None:
        n = min(n, self.qty_ordered - self.qty_received)
        value = receipt_value(
            self.landed, self.qty_ordered, self.qty_received, self.value_received, n
        )
        self.qty_received += n
        self.value_received += value
        self._add_lot(n, value)
        if self.pending:
            self.pending = self._sell(self.pending)

    @rule(qty=st.integers(1, 25))
    def sell(self, qty: int) -> None:
        self.pending += self._sell(qty)

    @precondition(lambda self: bool(self.lots))
    @rule(amount=st.decimals(min_value=-5_000, max_value=5_000, places=2))
    def late_charge(self, amount: D) -> None:
        """A late charge, or a refund (negative) possibly larger than the stock's value."""
        open_by_lot: dict[int, list[tuple[int, int]]] = {}
        for alloc_id, alloc in self.allocations.items():
            open_by_lot.setdefault(alloc.lot_id, []).append((alloc_id, alloc.qty))

        split = split_late_value(amount, self._fifo(), open_by_lot)

        for part in split.lots:
            state = self.lots[part.lot_id]
            self.lots[part.lot_id] = replace(
                state, remaining_value=state.remaining_value + part.on_hand
            )
        for share in split.allocations:
            self.allocations[share.allocation_id].cost += share.amount
        self.late_total += amount
        self.refunded = self.refunded or amount < 0
        self.cogs += split.consumed
        self.unattributed += split.unattributed

    @precondition(lambda self: any(a.qty for a in self.allocations.values()))
    @rule(data=st.data())
    def restock(self, data: st.DataObject) -> None:
        alloc_id = data.draw(st.sampled_from([k for k, a in self.allocations.items() if a.qty]))
        alloc = self.allocations[alloc_id]
        q = data.draw(st.integers(1, alloc.qty))

        put_back = restock_return(alloc.qty, alloc.cost, q)

        state = self.lots[alloc.lot_id]
        self.lots[alloc.lot_id] = replace(
            state,
            remaining_qty=state.remaining_qty + q,
            remaining_value=state.remaining_value + put_back,
        )
        alloc.qty -= q
        alloc.cost -= put_back
        self.cogs -= put_back

    @rule(n=st.integers(1, 10), fallback=st.decimals(min_value=0, max_value=500, places=4))
    def adjust_up(self, n: int, fallback: D) -> None:
        unit_cost = average_unit_cost(self._fifo())
        self._add_lot(n, adjustment_value(n, fallback if unit_cost is None else unit_cost))

    @invariant()
    def no_lot_goes_below_zero(self) -> None:
        for state in self.lots.values():
            assert state.remaining_qty >= 0
            assert state.remaining_value >= 0
            assert state.remaining_qty > 0 or state.remaining_value == 0

    @invariant()
    def every_kopeck_received_is_in_stock_or_in_cogs(self) -> None:
        remaining = sum((s.remaining_value for s in self.lots.values()), D(0))
        allocated = sum((a.cost for a in self.allocations.values()), D(0))

        assert self.cogs + remaining == self.value_in + self.late_total
        assert self.cogs == allocated + self.unattributed

    @invariant()
    def allocations_hold_exactly_the_units_gone_from_their_lots(self) -> None:
        for lot_id, state in self.lots.items():
            held = sum(a.qty for a in self.allocations.values() if a.lot_id == lot_id)
            assert held == state.initial_qty - state.remaining_qty
        for alloc in self.allocations.values():
            assert alloc.cost >= 0 or self.refunded
            assert alloc.qty > 0 or alloc.cost <= 0

    @invariant()
    def a_fully_received_line_has_lots_worth_its_landed_value(self) -> None:
        if self.qty_received == self.qty_ordered:
            assert self.value_received == self.landed


LineLedger.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_line_ledger = LineLedger.TestCase
