"""Hybrid logical clock (Kulkarni et al., 2014).

A timestamp is one 64-bit integer: wall-clock milliseconds in the high 48 bits and a
logical counter in the low 16. It never goes backwards, even when the laptop's clock does,
and stays close to wall time so that last-writer-wins follows what people did.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

COUNTER_BITS = 16
_COUNTER_MASK = (1 << COUNTER_BITS) - 1


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def pack(ms: int, counter: int = 0) -> int:
    return (ms << COUNTER_BITS) | counter


def wall_part(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def counter_part(hlc: int) -> int:
    return hlc & _COUNTER_MASK


def to_datetime(hlc: int) -> datetime:
    return datetime.fromtimestamp(wall_part(hlc) / 1000, tz=timezone.utc)


def to_iso(hlc: int) -> str:
    """The wall part of a stamp as ISO 8601 UTC with milliseconds."""
    return to_datetime(hlc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{wall_part(hlc) % 1000:03d}Z"


class HybridClock:
    """Issues strictly increasing stamps; `last` is persisted by the store with each write."""

    def __init__(self, last: int = 0, now_ms: Callable[[], int] = wall_ms) -> None:
        self.last = last
        self._now_ms = now_ms

    def tick(self) -> int:
        """A stamp for a local change."""
        now = self._now_ms()
        self.last = pack(now) if now > wall_part(self.last) else self._after(self.last)
        return self.last

    def observe(self, remote: int) -> int:
        """Move past a stamp received from another site (used when changes are merged)."""
        now = self._now_ms()
        top = max(self.last, remote)
        self.last = pack(now) if now > wall_part(top) else self._after(top)
        return self.last

    @staticmethod
    def _after(stamp: int) -> int:
        # The counter overflowing borrows one millisecond from the future rather than wrap.
        if counter_part(stamp) == _COUNTER_MASK:
            return pack(wall_part(stamp) + 1)
        return stamp + 1
