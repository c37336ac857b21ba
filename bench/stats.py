"""Small statistics helpers shared by the driver and the load generator."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def summarize_ns(samples_ns: Sequence[int]) -> dict[str, float]:
    """Count, mean, p50/p90/p99/p99.9 and max of nanosecond samples, in milliseconds."""
    values = sorted(samples_ns)
    ms = 1e6
    return {
        "count": len(values),
        "mean_ms": (sum(values) / len(values) / ms) if values else 0.0,
        "p50_ms": percentile(values, 0.50) / ms,
        "p90_ms": percentile(values, 0.90) / ms,
        "p99_ms": percentile(values, 0.99) / ms,
        "p999_ms": percentile(values, 0.999) / ms,
        "max_ms": (values[-1] / ms) if values else 0.0,
    }
