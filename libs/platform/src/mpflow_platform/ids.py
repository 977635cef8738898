"""UUIDv7: time-ordered identifiers (RFC 9562 §5.7), monotonic within a process."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_seq = 0


def uuid7() -> uuid.UUID:
    """A new UUIDv7: 48-bit Unix ms, 12-bit sequence (RFC 9562 method 3), 62 random bits.

    Within one millisecond the sequence increases, so ids made by one process sort in the
    order they were made.
    """
    global _last_ms, _last_seq
    rand = int.from_bytes(os.urandom(10), "big")
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _last_seq = ms, (rand >> 64) & 0x7FF  # start low: room to count up
        else:
            _last_seq += 1
            if _last_seq > 0xFFF:  # sequence exhausted: borrow the next millisecond
                _last_ms, _last_seq = _last_ms + 1, 0
        ms, seq = _last_ms, _last_seq
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
