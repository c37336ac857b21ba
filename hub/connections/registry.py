"""This process's live sessions by company and conversation, and its bus subscriptions.

One upstream subscription per company topic per process, reference-counted: the first
session of a company subscribes (and waits until events will arrive), the last one leaving
unsubscribes. Each event is routed to its company's agents and, when meant for the widget,
to that conversation's widget sessions, all receiving the same serialised frame.

For `hub.connections.repair`, it also notes what it dispatched (`heard`: the highest seq of
each conversation, per company held) and since when it holds each company (`held_since`),
and hands repaired messages and refreshed snapshots to the sessions (`replay`, `refresh`).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from hub.bus import Bus
from hub.events import BUSINESS_HOURS_UPDATED, PRESENCE_UPDATED, Event, company_topic
from hub.runtime import metrics


class Listener(Protocol):
    """A socket session, as the registry sees it."""

    def deliver(self, event: Event) -> None: ...

    def replay(self, events: Sequence[Event]) -> None: ...


class Agents(Listener, Protocol):
    """An agent's session: it also takes a refreshed snapshot."""

    def refresh(self, frames: Sequence[str]) -> None: ...


L = TypeVar("L", bound=Listener)
WATCHED = frozenset({PRESENCE_UPDATED, BUSINESS_HOURS_UPDATED})  # availability's inputs


class Heard:
    """The highest seq heard per conversation of one company. Two generations, so a
    conversation quiet for two rotations is forgotten: forgetting is safe (the repair then
    reads its recent messages and the sockets skip what they hold), remembering for ever
    is not (memory)."""

    __slots__ = ("_new", "_old")

    def __init__(self) -> None:
        self._new: dict[str, int] = {}
        self._old: dict[str, int] = {}

    def note(self, conversation_id: str, seq: int) -> None:
        if seq > self._new.get(conversation_id, 0):
            self._new[conversation_id] = seq

    def get(self, conversation_id: str) -> int | None:
        seq = self._new.get(conversation_id)
        return self._old.get(conversation_id) if seq is None else seq

    def rotate(self) -> None:
        self._old, self._new = self._new, {}


class Registry:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.agents: dict[str, set[Agents]] = defaultdict(set)
        self.widgets: dict[str, set[Listener]] = defaultdict(set)
        # The same widget sessions by company: availability.updated goes to all of them.
        self.company_widgets: dict[str, set[Listener]] = defaultdict(set)
        # Set by hub.connections.availability: told of the events that change a company's
        # availability, and of a company this process no longer holds.
        self.on_company_event: Callable[[Event], None] = lambda _event: None
        self.on_released: Callable[[str], None] = lambda _company_id: None
        self.heard: dict[str, Heard] = {}  # per company held: see hub.connections.repair
        self.held_since: dict[str, float] = {}  # when each company's subscription was ready
        self._refs: dict[str, int] = defaultdict(int)
        self._ready: dict[str, asyncio.Task[None]] = {}
        bus.on_event = self.dispatch

    def dispatch(self, event: Event) -> None:
        if event.seq is not None and event.conversation_id is not None:
            heard = self.heard.get(event.company_id)
            if heard is not None:
                heard.note(event.conversation_id, event.seq)
        for agent in tuple(self.agents.get(event.company_id, ())):
            agent.deliver(event)
        if event.to_widget and event.conversation_id is not None:
            for widget in tuple(self.widgets.get(event.conversation_id, ())):
                widget.deliver(event)
        if event.type in WATCHED:
            self.on_company_event(event)

    def replay(self, company_id: str, events: Sequence[Event]) -> None:
        """Hand repaired `message.created` events (in seq order per conversation) to the
        company's agents and each conversation's widgets, one writer step per socket."""
        heard = self.heard.get(company_id)
        by_conversation: dict[str, list[Event]] = defaultdict(list)
        for event in events:
            assert event.conversation_id is not None and event.seq is not None
            if heard is not None:
                heard.note(event.conversation_id, event.seq)
            if event.to_widget:
                by_conversation[event.conversation_id].append(event)
        for agent in tuple(self.agents.get(company_id, ())):
            agent.replay(events)
        for conversation_id, mine in by_conversation.items():
            for widget in tuple(self.widgets.get(conversation_id, ())):
                widget.replay(mine)

    def refresh(self, company_id: str, frames: Sequence[str]) -> None:
        """Send the company's agents the same snapshot frames (read once for all)."""
        for agent in tuple(self.agents.get(company_id, ())):
            agent.refresh(frames)

    def rotate_heard(self) -> None:
        for heard in self.heard.values():
            heard.rotate()

    async def add_agent(self, session: Agents, company_id: str) -> None:
        self.agents[company_id].add(session)
        _opened("agent")
        await self._hold(company_id)

    async def add_widget(self, session: Listener, company_id: str, conversation_id: str) -> None:
        self.widgets[conversation_id].add(session)
        self.company_widgets[company_id].add(session)
        _opened("widget")
        await self._hold(company_id)

    async def remove_agent(self, session: Agents, company_id: str) -> None:
        _discard(self.agents, company_id, session)
        metrics.connections.labels("agent").dec()
        await self._release(company_id)

    async def remove_widget(self, session: Listener, company_id: str, conversation_id: str) -> None:
        _discard(self.widgets, conversation_id, session)
        _discard(self.company_widgets, company_id, session)
        metrics.connections.labels("widget").dec()
        await self._release(company_id)

    def count(self) -> int:
        return sum(map(len, self.agents.values())) + sum(map(len, self.widgets.values()))

    async def _hold(self, company_id: str) -> None:
        self._refs[company_id] += 1
        ready = self._ready.get(company_id)
        if ready is None:
            self.heard[company_id] = Heard()
            ready = asyncio.ensure_future(self._subscribe(company_id))
            self._ready[company_id] = ready
        # Every holder waits for the subscription, so nothing published after it returns
        # is missed; shielded so one cancelled holder does not cancel it for the others.
        await asyncio.shield(ready)

    async def _subscribe(self, company_id: str) -> None:
        await self.bus.subscribe(company_topic(company_id))
        if company_id in self._refs:  # not released while subscribing
            self.held_since.setdefault(company_id, time.time())

    async def _release(self, company_id: str) -> None:
        self._refs[company_id] -= 1
        if self._refs[company_id] > 0:
            return
        del self._refs[company_id]
        self._ready.pop(company_id, None)
        self.heard.pop(company_id, None)
        self.held_since.pop(company_id, None)
        self.on_released(company_id)
        await self.bus.unsubscribe(company_topic(company_id))


def _discard(index: dict[str, set[L]], key: str, session: L) -> None:
    group = index.get(key)
    if group is not None:
        group.discard(session)
        if not group:
            del index[key]


def _opened(kind: str) -> None:
    metrics.connections.labels(kind).inc()
    metrics.connections_opened.labels(kind).inc()
