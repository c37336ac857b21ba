"""Pub/sub between hub processes, chosen by URL: none (in-process) or redis://."""

from __future__ import annotations

from hub.bus.base import Bus
from hub.bus.memory import MemoryBus


def make_bus(url: str | None) -> Bus:
    """A memory bus for no URL, a Redis bus for redis:// or rediss:// or unix://."""
    if not url:
        return MemoryBus()
    from hub.bus.redis import RedisBus  # imported lazily: only this module knows redis

    return RedisBus(url)


__all__ = ["Bus", "MemoryBus", "make_bus"]
