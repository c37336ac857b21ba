"""Test clients for the widget and agent sockets, over real WebSocket connections."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 10.0


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        frame: dict[str, Any] = json.loads(raw)
        self.seen.append(frame)
        return frame

    async def expect(self, type_: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """The next frame of `type_` (matching `match` on top-level keys); others are kept in
        `seen` but skipped."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] == type_ and all(frame.get(k) == v for k, v in match.items()):
                    return frame

    async def message(self, text: str | None = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next `message.created` (with `text`, when given)."""
        while True:
            frame = await self.expect("message.created", timeout)
            if text is None or frame["message"]["text"] == text:
                return frame["message"]  # type: ignore[no-any-return]

    async def closed(self, timeout: float = TIMEOUT) -> int | None:
        """Wait for the server to close; returns the close code."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.recv(timeout)
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None

    async def close(self) -> None:
        await self.ws.close()

    def messages(self) -> list[dict[str, Any]]:
        return [f["message"] for f in self.seen if f["type"] == "message.created"]


class Widget(Client):
    welcome: dict[str, Any]

    @classmethod
    async def open(
        cls,
        base: str,
        key: str,
        *,
        session_id: str | None = None,
        last_seq: int = 0,
        visit_id: str | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> Widget:
        """A widget socket after `welcome`; `fields` go into the `hello` as they are
        (`user_id`, `user_hash`, ...)."""
        client = await cls.hello(base, key, session_id, last_seq, visit_id, headers, **fields)
        client.welcome = await client.expect("welcome")
        return client

    @classmethod
    async def hello(
        cls,
        base: str,
        key: str,
        session_id: str | None = None,
        last_seq: int = 0,
        visit_id: str | None = None,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> Widget:
        """A widget socket that has sent its `hello` (and waits for nothing)."""
        ws = await connect(f"{base}/ws/widget?key={key}", additional_headers=headers)
        client = cls(ws)
        await client.send(
            {
                "type": "hello",
                "visit_id": visit_id or uuid.uuid4().hex,
                "session_id": session_id,
                "last_seq": last_seq,
                **fields,
            }
        )
        return client

    async def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        """Send a message and wait for its acknowledgement (its own message.created)."""
        cid = client_id or uuid.uuid4().hex
        await self.send({"type": "message.send", "client_id": cid, "text": text})
        while True:
            message = await self.message()
            if message["client_id"] == cid:
                return message


class Agent(Client):
    welcome: dict[str, Any]
    snapshot: dict[str, Any]
    today: dict[str, Any]

    @classmethod
    async def open(cls, base: str, token: str) -> Agent:
        ws = await connect(f"{base}/ws/agent")
        client = cls(ws)
        await client.send({"type": "auth", "token": token})
        client.welcome = await client.expect("welcome")
        client.snapshot = await client.expect("inbox.snapshot")
        client.today = await client.expect("stats.updated")  # today's counters, on connecting
        return client

    async def reply(self, conversation_id: str, text: str, client_id: str | None = None) -> None:
        frame = {
            "type": "message.send",
            "conversation_id": conversation_id,
            "client_id": client_id or uuid.uuid4().hex,
            "text": text,
        }
        await self.send(frame)
