"""Waiting for something that happens asynchronously (an event consumed, a row written)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], *, timeout: float = 15.0, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail with its last value otherwise.

    The deadline is generous on purpose: tests assert *that* something happens; how fast it
    happens is measured by bench/ (never asserted in tests).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)
