"""Redis pub/sub between hub processes.

One subscriber connection per process (topics are reference-counted by the registry), one
publisher connection fed by a queue and flushed as pipelines, so a burst costs one round trip.
A dropped connection is retried with capped, jittered backoff; once the subscriber is back
and every topic is confirmed again, `on_resync(since)` repairs every session from the database
(`since`: the last moment the subscriber was known to be reading). A publisher that lost events
tells every process to resync through the control topic, naming when the loss began.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from hub.bus.base import Bus
from hub.events import CONTROL_TOPIC, Event
from hub.runtime import metrics

log = logging.getLogger("hub.bus")

SUBSCRIBE_TIMEOUT = 3.0
MAX_BACKOFF = 5.0
OUTBOX_SIZE = 20_000
BATCH = 512


class RedisBus(Bus):
    backend = "redis"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.origin = uuid.uuid4().hex[:12]
        self.topics.add(CONTROL_TOPIC)
        self._state = "connecting"
        self._pubsub: PubSub | None = None
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue(OUTBOX_SIZE)
        self._lost = False
        self._lost_at = 0.0  # when the loss still to be announced began
        self._read_at = time.time()  # the subscriber was last known to be reading
        self._tasks: list[asyncio.Task[None]] = []
        self._redis = self._client()

    def _client(self) -> Redis:
        return Redis.from_url(
            self.url,
            socket_connect_timeout=2,
            socket_keepalive=True,
            health_check_interval=10,
            max_connections=4,
        )

    async def start(self) -> None:
        connected = asyncio.get_running_loop().create_future()
        self._tasks = [
            asyncio.create_task(self._listen_forever(connected), name="bus-listener"),
            asyncio.create_task(self._publish_forever(), name="bus-publisher"),
        ]
        # Start serving even if Redis is down; /healthz says so and clients resync later.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(connected), SUBSCRIBE_TIMEOUT)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            # redis-py can swallow a cancellation that lands mid-command (the loop then
            # goes on waiting for its next event), so cancel again until the task ends.
            while not task.done():
                await asyncio.wait([task], timeout=0.1)
                task.cancel()
            if not task.cancelled():
                task.exception()  # retrieved: the loops only ever end by cancellation
        await self._drop_pubsub()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._redis.aclose(), 2.0)

    def state(self) -> str:
        return self._state

    async def publish(self, event: Event) -> None:
        self.deliver_locally(event)
        try:
            self._outbox.put_nowait((event.topic, event.encode(self.origin)))
        except asyncio.QueueFull:
            self._mark_lost()

    async def subscribe(self, topic: str) -> None:
        self.topics.add(topic)
        pubsub = self._pubsub
        if pubsub is None:
            return  # down: the topic is subscribed on reconnect, followed by a resync
        done = self._pending.setdefault(topic, asyncio.get_running_loop().create_future())
        try:
            await pubsub.subscribe(topic)
            await asyncio.wait_for(asyncio.shield(done), SUBSCRIBE_TIMEOUT)
        except (TimeoutError, ConnectionError, OSError):
            log.warning("subscribe to %s not confirmed; resyncing from the database", topic)
            self.on_resync(time.time())

    async def unsubscribe(self, topic: str) -> None:
        self.topics.discard(topic)
        if self._pubsub is not None:
            with contextlib.suppress(ConnectionError, OSError):
                await self._pubsub.unsubscribe(topic)

    # -- subscriber -------------------------------------------------------------------

    async def _listen_forever(self, connected: asyncio.Future[None]) -> None:
        delay = 0.05
        while True:
            try:
                pubsub = await self._resubscribe()
                self._state = "ok"
                delay = 0.05
                if not connected.done():
                    connected.set_result(None)
                # Whatever was published while we were away (or before we first got in,
                # for sockets that joined while Redis was down) comes from the database.
                self.on_resync(self._read_at)
                await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the listener must never die
                log.warning("redis subscriber lost (%s); reconnecting", exc)
            self._state = "reconnecting"
            await self._drop_pubsub()
            await asyncio.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, MAX_BACKOFF)

    async def _resubscribe(self) -> PubSub:
        pubsub = self._redis.pubsub()
        try:
            topics = sorted(self.topics)
            await pubsub.subscribe(*topics)
            confirmed = 0
            while confirmed < len(topics):
                message = await pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT)
                if message is None:
                    raise ConnectionError("subscription not confirmed")
                if message["type"] == "subscribe":
                    confirmed += 1
        except BaseException:
            # Give its connection back to the pool: each failed attempt would otherwise
            # keep one, and once the pool (max_connections) is spent the bus never recovers.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pubsub.aclose(), 2.0)  # type: ignore[no-untyped-call]
            raise
        self._pubsub = pubsub
        return pubsub

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            self._read_at = time.time()
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        if kind == "subscribe":
            pending = self._pending.pop(channel, None)
            if pending is not None and not pending.done():
                pending.set_result(None)
        elif kind == "message" and channel == CONTROL_TOPIC:
            self.on_resync(_loss_began(message["data"]))
        elif kind == "message":
            try:
                origin, event = Event.decode(message["data"])
            except (ValueError, TypeError):
                log.warning("undecodable bus message on %s", channel)
                return
            if origin != self.origin:
                metrics.bus_lag_seconds.observe(max(0.0, time.time() - event.published_at))
                self.on_event(event)

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        for future in self._pending.values():
            if not future.done():
                future.set_result(None)  # the resync after reconnecting covers these
        self._pending.clear()
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    # -- publisher --------------------------------------------------------------------

    async def _publish_forever(self) -> None:
        delay = 0.05
        while True:
            batch = await self._next_batch()
            try:
                await self._send(batch)
                delay = 0.05
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the publisher must never die
                if batch:
                    log.warning("redis publish failed (%s); %d events lost", exc, len(batch))
                self._mark_lost()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def _next_batch(self) -> list[tuple[str, str]]:
        """Up to BATCH queued events; none (only the resync notice) while a loss is
        unannounced and nothing is queued: a quiet outbox must not leave the other
        processes stale until some later event happens to carry the notice."""
        if self._lost and self._outbox.empty():
            return []
        batch = [await self._outbox.get()]
        while len(batch) < BATCH and not self._outbox.empty():
            batch.append(self._outbox.get_nowait())
        return batch

    async def _send(self, batch: list[tuple[str, str]]) -> None:
        # Cleared before the round trip: a loss while it is in flight (a full outbox, or
        # this send failing) sets the flag again and is announced by a later send.
        announce, self._lost = self._lost, False
        lost_at = self._lost_at
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for topic, payload in batch:
                    pipe.publish(topic, payload)
                if announce:
                    pipe.publish(CONTROL_TOPIC, f"{self.origin} {lost_at}")
                await pipe.execute()
        except BaseException:
            if announce:  # still to be announced, from when it began
                self._mark_lost(lost_at)
            raise

    def _mark_lost(self, at: float | None = None) -> None:
        at = time.time() if at is None else at
        self._lost_at = min(self._lost_at, at) if self._lost else at
        self._lost = True


def _loss_began(data: str | bytes) -> float:
    """When the announced loss began (a notice without it, from an older process: now)."""
    text = data.decode() if isinstance(data, bytes) else data
    try:
        return float(text.split()[1])
    except (IndexError, ValueError):
        return time.time()
