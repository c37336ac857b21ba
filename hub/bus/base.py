"""The bus interface: publish events, subscribe to topics, hear about resyncs."""

from __future__ import annotations

import abc
from collections.abc import Callable

from hub.events import Event

EventHandler = Callable[[Event], None]
# `since`: epoch seconds, the last moment the bus is known to have lost nothing.
ResyncHandler = Callable[[float], None]


def _ignore_event(_event: Event) -> None:
    return None


def _ignore_resync(_since: float) -> None:
    return None


class Bus(abc.ABC):
    """Pub/sub between hub processes. At most once: the database is the truth, and after
    any loss the bus calls `on_resync(since)` so every client catches up from it (since: the last
    moment, in epoch seconds, before which nothing was lost).

    The registry sets `on_event` and subscribes once per topic per process; the repair
    (hub.connections.repair) sets `on_resync`.
    `publish` also delivers to this process's own subscribers, synchronously.
    """

    backend = "abstract"

    def __init__(self) -> None:
        self.on_event: EventHandler = _ignore_event
        self.on_resync: ResyncHandler = _ignore_resync
        self.topics: set[str] = set()

    async def start(self) -> None:  # noqa: B027 - an optional hook
        """Connect; called once by the app's lifespan."""

    async def close(self) -> None:  # noqa: B027 - an optional hook
        """Disconnect and stop background tasks."""

    @abc.abstractmethod
    async def publish(self, event: Event) -> None:
        """Deliver `event` to every subscriber of its topic on every process."""

    async def subscribe(self, topic: str) -> None:
        """Start receiving `topic`; returns once events on it will arrive."""
        self.topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        self.topics.discard(topic)

    def state(self) -> str:
        """`ok`, or a word saying what is wrong (for /healthz)."""
        return "ok"

    def deliver_locally(self, event: Event) -> None:
        if event.topic in self.topics:
            self.on_event(event)
