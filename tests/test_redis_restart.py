"""A Redis restart in the middle of a live conversation between two hub processes.

Whatever is written while Redis is away (over the sockets and over HTTP, on either process)
reaches both clients once it is back, nothing twice: the bus reconnects, resubscribes and
makes every session catch up from the database. /healthz tells the truth meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError

from hub.ai.knowledge import KnowledgeService
from hub.bus import redis as redis_bus
from hub.bus.redis import RedisBus
from hub.events import TYPING, Event, company_topic
from hub.persistence.db import Database
from hub.workspace.companies import CreatedCompany
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import HubProcess, make_company, settle
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WAIT = 15.0  # a reconnect may wait out the bus's capped backoff


def bus_ok(status: int, body: dict[str, Any]) -> bool:
    return status == 200 and body["bus"] == "ok" and body["status"] == "ok"


def bus_down(status: int, body: dict[str, Any]) -> bool:
    return status == 503 and body["bus"] != "ok" and body["database"] == "ok"


class Conversation:
    """A visitor on hub A and an agent on hub B, talking."""

    def __init__(self, a: HubProcess, b: HubProcess, token: str) -> None:
        self.a, self.b, self.token = a, b, token
        self.widget: Widget
        self.agent: Agent
        self.id = ""
        self.texts: list[str] = []  # every text written, in the order the test wrote them

    @classmethod
    async def start(cls, a: HubProcess, b: HubProcess) -> Conversation:
        return await cls.open(a, b, await make_company(a))

    @classmethod
    async def open(cls, a: HubProcess, b: HubProcess, company: CreatedCompany) -> Conversation:
        self = cls(a, b, company.agent_token)
        self.agent = await Agent.open(b.ws, company.agent_token)
        self.widget = await Widget.open(a.ws, company.widget_key)
        self.id = self.widget.welcome["conversation_id"]
        return self

    async def visitor_says(self, text: str) -> None:
        self.texts.append(text)
        await self.widget.say(text)  # acknowledged by hub A itself, Redis or not

    async def agent_says(self, text: str) -> None:
        self.texts.append(text)
        await self.agent.reply(self.id, text)
        await self.agent.message(text, timeout=WAIT)  # hub B's own echo

    async def agent_posts(self, process: HubProcess, text: str) -> None:
        self.texts.append(text)
        async with httpx.AsyncClient(base_url=process.http, timeout=WAIT) as http:
            response = await http.post(
                f"/api/conversations/{self.id}/messages",
                headers={"Authorization": f"Bearer {self.token}"},
                json={"text": text, "client_id": uuid.uuid4().hex},
            )
        assert response.status_code == 201, response.text

    async def both_have_everything(self) -> None:
        """Both clients hold every text written so far, each once, in seq order."""
        for client in (self.widget, self.agent):
            await _wait_for_texts(client, set(self.texts))
            await settle(client)
            got = client.messages()
            assert [m["seq"] for m in got] == list(range(1, len(self.texts) + 1))
            assert sorted(m["text"] for m in got) == sorted(self.texts)

    async def close(self) -> None:
        await self.widget.close()
        await self.agent.close()


async def _wait_for_texts(client: Client, texts: set[str]) -> None:
    try:
        async with asyncio.timeout(WAIT):
            while not texts <= {m["text"] for m in client.messages()}:
                await client.message(timeout=WAIT)
    except TimeoutError:
        missing = texts - {m["text"] for m in client.messages()}
        raise AssertionError(f"{type(client).__name__} never got {sorted(missing)}") from None


async def write_from_everywhere(talk: Conversation, tag: str, *, live: bool) -> None:
    """One message from each writer: the visitor on A, the agent on B, HTTP on A and on B.

    `live`: each must reach both clients before the next is written, so no later write
    can carry a lost one along (a resync rides on the next publish).
    """

    async def step(write: Awaitable[None]) -> None:
        await write
        if live:
            await talk.both_have_everything()

    await step(talk.visitor_says(f"{tag}: visitor on A"))
    await step(talk.agent_says(f"{tag}: agent socket on B"))
    await step(talk.agent_posts(talk.a, f"{tag}: agent HTTP on A"))
    await step(talk.agent_posts(talk.b, f"{tag}: agent HTTP on B"))


async def test_quick_redis_restart_loses_nothing(
    hubs: list[HubProcess], own_redis: RedisServer
) -> None:
    """Redis restarts at once, twice: each bounce may be over before a hub notices it."""
    a, b = hubs
    talk = await Conversation.start(a, b)
    await write_from_everywhere(talk, "before", live=True)

    for round_ in (1, 2):
        await own_redis.stop()
        await write_from_everywhere(talk, f"outage {round_}", live=False)
        await own_redis.start()

        await talk.both_have_everything()  # the messages written while Redis was away
        for process in hubs:
            await process.wait_health(bus_ok, timeout=WAIT)
        await write_from_everywhere(talk, f"after {round_}", live=True)  # and live again
    await talk.close()


async def test_redis_outage_is_reported_and_recovered(
    hubs: list[HubProcess], own_redis: RedisServer
) -> None:
    """A longer outage: /healthz says so (503), and once Redis is back everyone catches up."""
    a, b = hubs
    talk = await Conversation.start(a, b)
    await write_from_everywhere(talk, "before", live=True)

    await own_redis.stop()
    for process in hubs:
        body = await process.wait_health(bus_down, timeout=WAIT)
        assert body["status"] == "degraded" and body["bus_backend"] == "redis"
    await write_from_everywhere(talk, "outage", live=False)

    await own_redis.start()
    for process in hubs:
        await process.wait_health(bus_ok, timeout=WAIT)
    await talk.both_have_everything()
    await write_from_everywhere(talk, "after", live=True)
    await talk.close()


LOAD_PAIRS = 3
# Each visitor writes one message every LOAD_INTERVAL seconds: it paces the load (about 35
# messages a second in all), it synchronises nothing.
LOAD_INTERVAL = 0.08
RECOVERY = 10.0  # seconds from Redis being back to live delivery on every process


class Load:
    """Each visitor writing continuously (its AI off: only what the test wrote is stored)."""

    def __init__(self, talks: list[Conversation]) -> None:
        self.talks = talks
        self.stop = asyncio.Event()
        self.wrote = [asyncio.Event() for _ in talks]  # set after each acknowledged write
        self.tasks = [asyncio.create_task(self._write(n)) for n in range(len(talks))]

    @classmethod
    async def start(cls, a: HubProcess, b: HubProcess, pairs: int) -> Load:
        talks = []
        for _ in range(pairs):
            company = await make_company(a)
            db = Database(a.env["DATABASE_URL"])
            try:
                await KnowledgeService(db).update_ai_config(company.company_id, {"enabled": False})
            finally:
                await db.close()
            talks.append(await Conversation.open(a, b, company))
        return cls(talks)

    async def _write(self, n: int) -> None:
        talk, count = self.talks[n], 0
        while not self.stop.is_set():
            count += 1
            await talk.visitor_says(f"pair {n}: {count}")  # acknowledged by hub A itself
            self.wrote[n].set()
            await asyncio.sleep(LOAD_INTERVAL)  # the load's pace, see LOAD_INTERVAL

    async def each_writes(self) -> None:
        """Until every visitor has written (and been acknowledged) once more."""
        for event in self.wrote:
            event.clear()
        async with asyncio.timeout(WAIT):
            for event in self.wrote:
                await event.wait()

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)


async def test_redis_restart_under_load_loses_and_repeats_nothing(
    hubs: list[HubProcess], own_redis: RedisServer
) -> None:
    """Visitors on hub A write continuously to agents on hub B while Redis restarts: hub B
    delivers live again within seconds, and every agent ends with every acknowledged
    message once, in seq order (caught up from the database)."""
    a, b = hubs
    load = await Load.start(a, b, LOAD_PAIRS)
    for talk in load.talks:  # live before the restart
        await talk.agent.message(timeout=WAIT)

    await own_redis.stop()
    for process in hubs:
        await process.wait_health(bus_down, timeout=WAIT)
    await load.each_writes()  # while Redis is away
    await own_redis.start()
    back = asyncio.get_running_loop().time()
    for talk in load.talks:  # a message written after the restart arrives live
        written = len(talk.texts)
        while (await talk.agent.message(timeout=WAIT))["text"] not in talk.texts[written:]:
            pass
    recovered = asyncio.get_running_loop().time() - back
    assert recovered < RECOVERY, f"live again only after {recovered:.1f} s"

    await load.finish()
    for talk in load.talks:
        await talk.both_have_everything()
        await talk.close()


class _Signal(logging.Handler):
    """Sets an asyncio event when a matching log record is emitted (same thread, same loop:
    the bus logs from its own tasks)."""

    def __init__(self, needle: str) -> None:
        super().__init__(logging.WARNING)
        self.needle = needle
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.event.set()


async def test_bus_announces_a_lost_publish_on_its_own(own_redis: RedisServer) -> None:
    """A publish during an outage leaves the publisher a pooled connection the old server
    closed, so the first publish after the restart fails. That event is lost, and the other
    processes must hear of it (and resync) without waiting for a later event to carry the
    notice: a quiet conversation would otherwise stay stale."""
    listener, publisher = RedisBus(own_redis.url), RedisBus(own_redis.url)
    heard, listener_back, publisher_back = asyncio.Event(), asyncio.Event(), asyncio.Event()
    news = asyncio.Event()
    listener.on_event = lambda _event: heard.set()
    failed = _Signal("redis publish failed")
    bus_log = logging.getLogger("hub.bus")
    bus_log.addHandler(failed)
    await listener.start()
    await publisher.start()
    # Set after start: each bus also resyncs on its first connection.
    listener.on_resync = lambda _since: (
        listener_back.set()
    )  # each bus resyncs once it has reconnected
    publisher.on_resync = lambda _since: publisher_back.set()
    try:
        await listener.subscribe(company_topic("c1"))
        await publisher.publish(Event.build(TYPING, "c1", {"n": 0}))
        async with asyncio.timeout(WAIT):
            await heard.wait()  # the publisher now holds a pooled connection

        await own_redis.stop()
        await publisher.publish(Event.build(TYPING, "c1", {"n": 1}))
        async with asyncio.timeout(WAIT):
            await failed.event.wait()
        await own_redis.start()
        async with asyncio.timeout(WAIT):
            await listener_back.wait()
            await publisher_back.wait()
        assert listener.state() == publisher.state() == "ok"

        # From now on the listener hears either the event or that something was lost.
        listener.on_event = lambda _event: news.set()
        listener.on_resync = lambda _since: news.set()
        await publisher.publish(Event.build(TYPING, "c1", {"n": 2}))
        async with asyncio.timeout(WAIT):
            await news.wait()
    finally:
        bus_log.removeHandler(failed)
        await publisher.close()
        await listener.close()


async def test_bus_survives_drops_while_resubscribing(
    own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis flapping during a restart: the connection drops again after SUBSCRIBE went out
    but before it was confirmed, more times than the client pool has connections. Each
    failed attempt must give its connection back, or the bus is dead for good."""
    monkeypatch.setattr(redis_bus, "MAX_BACKOFF", 0.1)  # keep the reconnect loop quick
    drops = {"left": 0}
    real_get_message = PubSub.get_message

    async def flaky_get_message(self: PubSub, *args: Any, **kwargs: Any) -> Any:
        if drops["left"] > 0 and self.connection_pool is bus._redis.connection_pool:
            drops["left"] -= 1
            raise RedisConnectionError("dropped while resubscribing (injected)")
        return await real_get_message(self, *args, **kwargs)

    monkeypatch.setattr(PubSub, "get_message", flaky_get_message)
    bus, publisher = RedisBus(own_redis.url), RedisBus(own_redis.url)
    heard, back = asyncio.Event(), asyncio.Event()
    bus.on_event = lambda _event: heard.set()
    await bus.start()
    await publisher.start()
    bus.on_resync = lambda _since: (
        back.set()
    )  # set after start: a bus also resyncs on its first connection
    try:
        await bus.subscribe(company_topic("c1"))
        drops["left"] = 2 * bus._redis.connection_pool.max_connections
        await own_redis.restart()
        async with asyncio.timeout(WAIT):
            await back.wait()  # reconnected, resubscribed, resynced
        assert drops["left"] == 0 and bus.state() == "ok"
        bus.on_resync = lambda _since: (
            heard.set()
        )  # a resync notice also comes over the subscription
        await publisher.publish(Event.build(TYPING, "c1", {"n": 1}))
        async with asyncio.timeout(WAIT):
            await heard.wait()
    finally:
        await publisher.close()
        await bus.close()
