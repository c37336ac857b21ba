"""This process's live sessions by company and conversation, and its bus subscriptions.

One upstream subscription per company topic per process, reference-counted: the first
session of a company subscribes (and waits until events will arrive), the last one leaving
unsubscribes. Each event is routed to its company's agents and, when meant for the widget,
to that conversation's widget sessions, all receiving the same serialised frame.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Protocol

from hub.bus import Bus
from hub.events import Event, company_topic
from hub.runtime import metrics


class Listener(Protocol):
    def deliver(self, event: Event) -> None: ...

    def resync(self) -> None: ...


class Registry:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.agents: dict[str, set[Listener]] = defaultdict(set)
        self.widgets: dict[str, set[Listener]] = defaultdict(set)
        self._refs: dict[str, int] = defaultdict(int)
        self._ready: dict[str, asyncio.Task[None]] = {}
        bus.on_event = self.dispatch
        bus.on_resync = self.resync_all

    def dispatch(self, event: Event) -> None:
        for session in tuple(self.agents.get(event.company_id, ())):
            session.deliver(event)
        if event.to_widget and event.conversation_id is not None:
            for session in tuple(self.widgets.get(event.conversation_id, ())):
                session.deliver(event)

    def resync_all(self) -> None:
        for group in (*self.agents.values(), *self.widgets.values()):
            for session in tuple(group):
                session.resync()

    async def add_agent(self, session: Listener, company_id: str) -> None:
        self.agents[company_id].add(session)
        _opened("agent")
        await self._hold(company_id)

    async def add_widget(self, session: Listener, company_id: str, conversation_id: str) -> None:
        self.widgets[conversation_id].add(session)
        _opened("widget")
        await self._hold(company_id)

    async def remove_agent(self, session: Listener, company_id: str) -> None:
        _discard(self.agents, company_id, session)
        metrics.connections.labels("agent").dec()
        await self._release(company_id)

    async def remove_widget(self, session: Listener, company_id: str, conversation_id: str) -> None:
        _discard(self.widgets, conversation_id, session)
        metrics.connections.labels("widget").dec()
        await self._release(company_id)

    def count(self) -> int:
        return sum(map(len, self.agents.values())) + sum(map(len, self.widgets.values()))

    async def _hold(self, company_id: str) -> None:
        self._refs[company_id] += 1
        ready = self._ready.get(company_id)
        if ready is None:
            ready = asyncio.ensure_future(self.bus.subscribe(company_topic(company_id)))
            self._ready[company_id] = ready
        # Every holder waits for the subscription, so nothing published after it returns
        # is missed; shielded so one cancelled holder does not cancel it for the others.
        await asyncio.shield(ready)

    async def _release(self, company_id: str) -> None:
        self._refs[company_id] -= 1
        if self._refs[company_id] > 0:
            return
        del self._refs[company_id]
        self._ready.pop(company_id, None)
        await self.bus.unsubscribe(company_topic(company_id))


def _discard(index: dict[str, set[Listener]], key: str, session: Listener) -> None:
    group = index.get(key)
    if group is not None:
        group.discard(session)
        if not group:
            del index[key]


def _opened(kind: str) -> None:
    metrics.connections.labels(kind).inc()
    metrics.connections_opened.labels(kind).inc()
