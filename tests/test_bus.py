"""The bus contract, on the in-process bus and on Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from hub.bus import Bus, make_bus
from hub.events import MESSAGE_CREATED, TYPING, Event, company_topic


class Inbox:
    """Collects a bus's events and lets a test wait for them."""

    def __init__(self, bus: Bus) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Event()
        bus.on_event = self.add

    def add(self, event: Event) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Event]:
        async with asyncio.timeout(timeout):
            while len(self.events) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.events


@pytest.fixture
async def bus(bus_url: str | None) -> AsyncIterator[Bus]:
    instance = make_bus(bus_url)
    await instance.start()
    yield instance
    await instance.close()


def message_event(company_id: str, seq: int) -> Event:
    message = {"id": uuid.uuid4().hex, "conversation_id": "c1", "seq": seq, "text": "hi"}
    return Event.build(
        MESSAGE_CREATED, company_id, {"message": message}, conversation_id="c1", to_widget=True
    )


async def test_subscribers_get_published_events_once_in_order(bus: Bus) -> None:
    inbox = Inbox(bus)
    company = uuid.uuid4().hex
    await bus.subscribe(company_topic(company))
    for seq in range(1, 6):
        await bus.publish(message_event(company, seq))
    events = await inbox.wait_for(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].frame.startswith('{"type":"message.created"')
    await bus.publish(Event.build(TYPING, company, {"active": True}))
    assert (await inbox.wait_for(6))[-1].type == TYPING
    assert bus.state() == "ok"


async def test_unsubscribed_topics_are_not_delivered(bus: Bus) -> None:
    inbox = Inbox(bus)
    mine, other = uuid.uuid4().hex, uuid.uuid4().hex
    await bus.subscribe(company_topic(mine))
    await bus.publish(message_event(other, 1))
    await bus.publish(message_event(mine, 1))
    events = await inbox.wait_for(1)
    await bus.unsubscribe(company_topic(mine))
    await bus.publish(message_event(mine, 2))
    await bus.subscribe(company_topic(other))
    await bus.publish(message_event(other, 2))
    events = await inbox.wait_for(2)
    assert [(e.company_id, e.seq) for e in events] == [(mine, 1), (other, 2)]


async def test_events_cross_between_processes(redis_url: str) -> None:
    """Two Redis buses stand for two hub processes."""
    one, two = make_bus(redis_url), make_bus(redis_url)
    await one.start()
    await two.start()
    try:
        inbox_one, inbox_two = Inbox(one), Inbox(two)
        company = uuid.uuid4().hex
        await one.subscribe(company_topic(company))
        await two.subscribe(company_topic(company))
        for seq in range(1, 51):
            await (one if seq % 2 else two).publish(message_event(company, seq))
        for inbox in (inbox_one, inbox_two):
            events = await inbox.wait_for(50)
            assert sorted(e.seq for e in events) == list(range(1, 51))  # each exactly once
    finally:
        await one.close()
        await two.close()


def test_wire_form_round_trips() -> None:
    event = message_event("co", 3)
    origin, decoded = Event.decode(event.encode("proc-1"))
    assert origin == "proc-1"
    assert decoded == event
