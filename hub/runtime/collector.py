"""Python's garbage collector, tuned for a process that holds thousands of long-lived sockets.

A full collection walks every tracked object: it stopped the event loop for 30-60 ms with a
thousand busy sockets and 650 ms with ten thousand idle ones. By CPython's own rule (objects
promoted since the last one exceed a quarter of the old generation) a hub under load ran one
every few seconds, the largest source of its tail latency. So:

- what start-up built is frozen (never walked again);
- young collections run as usual (a tenth of a millisecond);
- a full collection runs when the process's resident memory has grown by GROWTH_KIB since the
  last one (checked every CHECK_INTERVAL), and at the latest every FULL_COLLECTION_INTERVAL.

Growth is what garbage costs. A closed socket leaves about 12 KiB in reference cycles (its
uvicorn protocol, parser, transport and our session hold each other) that only a full
collection returns; churn of 550 connections a second grew a process by 36 MB per 3,000
sockets without a full collection, and stays within GROWTH_KIB with this rule. A process
whose memory is steady (sockets open, messages flowing) pays no full collection at all.

Every collection's pause is observed in `hub_gc_pause_seconds` (docs/operations.md).
"""

from __future__ import annotations

import gc
import resource
import time
from typing import Any

from hub.runtime import metrics

CHECK_INTERVAL = 1.0  # seconds between looks at the clock and the resident memory
FULL_COLLECTION_INTERVAL = 3600.0  # seconds: a backstop; growth brings collections sooner
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
