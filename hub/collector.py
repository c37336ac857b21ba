"""Python's garbage collector, tuned for a process that holds thousands of long-lived sockets.

A full collection walks every tracked object, so with a thousand busy sockets it stops the
event loop for 30-60 ms, and by CPython's rule (objects promoted since the last one exceed a
quarter of the old generation) a hub under load ran one every few seconds: the largest
source of its tail latency. So:

- what start-up built is frozen (never walked again);
- young collections run as usual (a tenth of a millisecond);
- full collections run on a schedule, once a minute, not whenever allocations say, which
  still returns memory held in reference cycles (closed sockets) within that minute.

Every collection's pause is observed in `hub_gc_pause_seconds` (docs/operations.md).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from hub import metrics

FULL_COLLECTION_INTERVAL = 60.0  # seconds
NEVER = 2**30  # a generation-2 threshold that allocation counts never reach
_started: list[float] = [0.0]


def tune_collector() -> None:
    """Freeze start-up's objects and take full collections off the allocation counter."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    if _observe not in gc.callbacks:
        gc.callbacks.append(_observe)


async def collect_fully() -> None:
    """One full collection (hub.periodic runs it every FULL_COLLECTION_INTERVAL seconds)."""
    gc.collect()


def _observe(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        pause = time.perf_counter() - _started[0]
        metrics.gc_pause_seconds.labels(str(info["generation"])).observe(pause)
