"""The in-process bus: one hub process, no network."""

from __future__ import annotations

from hub.bus.base import Bus
from hub.events import Event


class MemoryBus(Bus):
    backend = "memory"

    async def publish(self, event: Event) -> None:
        self.deliver_locally(event)
