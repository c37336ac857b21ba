"""Prometheus metrics for one hub process, served at `GET /metrics`.

Each process has its own counters (scrape every process, as Prometheus does per target).
The names and what they mean are listed in docs/operations.md. Observing a metric costs a
microsecond or two, so the hot path records per message or per batch, never per byte.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

# Latencies of a live chat: most well under 10 ms, the interesting ones up to seconds.
FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

connections = Gauge("hub_connections", "Open sockets", ["kind"])
connections_opened = Counter("hub_connections_opened", "Sockets registered", ["kind"])
slow_clients_closed = Counter(
    "hub_slow_clients_closed", "Sockets closed because their send queue was full"
)
messages = Counter("hub_messages", "Messages stored", ["channel", "sender"])
append_seconds = Histogram(
    "hub_append_seconds", "From a message's arrival to it being stored and published", buckets=FAST
)
batch_size = Histogram(
    "hub_group_commit_batch_size",
    "Messages per group-commit transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
delivery_seconds = Histogram(
    "hub_delivery_seconds",
    "From a message.created event being published to it being written to a socket",
    buckets=FAST,
)
gc_pause_seconds = Histogram(
    "hub_gc_pause_seconds",
    "Garbage-collector pauses, by generation (2: full)",
    ["generation"],
    buckets=FAST,
)
bus_lag_seconds = Histogram(
    "hub_bus_lag_seconds",
    "From publish on one process to receipt on another (wall clocks: keep them in sync)",
    buckets=FAST,
)
provider_errors = Counter(
    "hub_provider_errors", "Failed sends to Twilio or Kapso", ["provider", "kind"]
)


def exposition() -> tuple[bytes, str]:
    """The current metrics in Prometheus' text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
