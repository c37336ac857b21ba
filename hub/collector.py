"""Python's garbage collector, tuned for a process that holds thousands of long-lived sockets.

A full collection walks every tracked object, so with a thousand busy sockets it stops the
event loop for 30-60 ms, and by CPython's rule (objects promoted since the last one exceed a
quarter of the old generation) a hub under load ran one every few seconds: the largest
source of its tail latency. So:

- what start-up built is frozen (never walked again);
- young collections run as usual (a tenth of a millisecond);
- full collections run on a schedule instead of whenever allocations say: once a minute,
  or sooner when the process's resident memory has grown by GROWTH_KIB since the last one.
  A closed socket leaves about 12 KiB in reference cycles that only a full collection
  returns, so under heavy connection churn (hundreds a second) they come every few seconds,
  as before, and the garbage stays within GROWTH_KIB (measured: 3,000 sockets opened and
  closed at 550 a second grew the process by 36 MB each time without this; with it, 26 MB
  once and then nothing).

Every collection's pause is observed in `hub_gc_pause_seconds` (docs/operations.md).
"""

from __future__ import annotations

import gc
import resource
import time
from typing import Any

from hub import metrics

CHECK_INTERVAL = 1.0  # seconds between looks at the clock and the resident memory
FULL_COLLECTION_INTERVAL = 60.0  # seconds
GROWTH_KIB = 64 * 1024  # memory growth that brings the next full collection forward
NEVER = 2**30  # a generation-2 threshold that allocation counts never reach
PAGE_KIB = resource.getpagesize() // 1024
_started: list[float] = [0.0]


def tune_collector() -> None:
    """Freeze start-up's objects and take full collections off the allocation counter."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    if _observe not in gc.callbacks:
        gc.callbacks.append(_observe)


def resident_kib() -> int:
    """The process's resident memory in KiB: /proc/self/statm where there is one, else the
    peak so far (getrusage; on Linux it would include a parent's from before exec)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_KIB
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class FullCollections:
    """Decides when the next full collection is due; `tick` runs every CHECK_INTERVAL."""

    def __init__(
        self, interval: float = FULL_COLLECTION_INTERVAL, growth_kib: int = GROWTH_KIB
    ) -> None:
        self.interval = interval
        self.growth_kib = growth_kib
        self._last = time.monotonic()
        self._resident = resident_kib()

    async def tick(self) -> bool:
        """Collect if due; whether it did."""
        grown = resident_kib() - self._resident >= self.growth_kib
        if not grown and time.monotonic() - self._last < self.interval:
            return False
        gc.collect()
        self._last = time.monotonic()
        self._resident = resident_kib()
        return True


def _observe(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        pause = time.perf_counter() - _started[0]
        metrics.gc_pause_seconds.labels(str(info["generation"])).observe(pause)
