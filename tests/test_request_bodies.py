"""Request bodies are capped by their route's kind before they are read, and JSON nested too
deep is a 400: over a real hub and real sockets (issue 18)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.persistence import repository as repo
from tests.channel_support import KAPSO_SECRET, PHONE_NUMBER_ID, ChannelHub, channel_hub
from tests.fakes.webhooks import kapso_message_received, kapso_signature, post_kapso

RECEIVED = "whatsapp.message.received"
KIB = 1024
CAPS = {"webhook_max_bytes": 64 * KIB, "api_max_bytes": 32 * KIB}


@pytest.fixture
async def ch(sqlite_url: str) -> AsyncIterator[ChannelHub]:
    async with channel_hub(sqlite_url, **CAPS) as hub:
        yield hub


async def stored(ch: ChannelHub) -> int:
    async with ch.server.hub.db.read() as conn:
        return await repo.count_rows(conn, repo.messages)


async def declare_and_stall(port: int, path: str, length: int, headers: str = "") -> bytes:
    """Send a request's headers declaring `length` bytes of body and only one byte of it,
    then read the answer: a hub that waits for the body never answers (the timeout)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n{headers}\r\n{{"
    )
    writer.write(head.encode())
    await writer.drain()
    try:
        async with asyncio.timeout(10):
            return await reader.readuntil(b"}}")  # the end of the JSON error body
    finally:
        writer.close()


def status_and_body(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_a_declared_length_over_the_cap_is_refused_before_the_body(ch: ChannelHub) -> None:
    for path, length in (("/webhooks/kapso", 200 * 1024 * KIB), ("/api/qa", 33 * KIB)):
        status, body = status_and_body(await declare_and_stall(ch.server.port, path, length))
        assert status == 413, path
        assert body["error"]["code"] == "too_large", path
    assert await stored(ch) == 0


async def test_a_chunked_body_over_the_cap_is_cut_off_and_nothing_is_stored(
    ch: ChannelHub,
) -> None:
    # Signed and valid: only its size is wrong, so before the cap it would have been stored.
    event = kapso_message_received(PHONE_NUMBER_ID, "15551230001", "hello")
    event["padding"] = "x" * (80 * KIB)
    raw = json.dumps(event).encode()

    async def chunks(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), 4 * KIB):
            yield data[start : start + 4 * KIB]

    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Event": RECEIVED,
        "X-Webhook-Signature": kapso_signature(KAPSO_SECRET, raw),
    }
    webhook = await ch.http.post(ch.url("/webhooks/kapso"), content=chunks(raw), headers=headers)
    assert webhook.status_code == 413, webhook.text
    assert webhook.json()["error"]["code"] == "too_large"
    pair = json.dumps({"question": "q?", "answer": "a" * (40 * KIB)}).encode()
    api = await ch.http.post(ch.url("/api/qa"), content=chunks(pair), headers=ch.auth)
    assert api.status_code == 413, api.text
    assert (await ch.http.get(ch.url("/api/qa"), headers=ch.auth)).json()["pairs"] == []
    assert await stored(ch) == 0


async def test_bodies_within_the_cap_still_pass(ch: ChannelHub) -> None:
    event = kapso_message_received(PHONE_NUMBER_ID, "15551230001", "x" * 4000)
    url = ch.url("/webhooks/kapso")
    answer = await post_kapso(ch.http, url, KAPSO_SECRET, event, event=RECEIVED)
    assert answer.status_code == 200, answer.text
    assert await stored(ch) == 1


async def test_json_nested_too_deep_is_a_400(ch: ChannelHub) -> None:
    for depth in (33, 5000):
        body = '{"question": "q?", "answer": "a", "extra": ' + nested(depth) + "}"
        api = await ch.http.post(ch.url("/api/qa"), content=body, headers=ch.auth)
        assert api.status_code == 400, (depth, api.text)
        assert api.json()["error"]["code"] == "bad_request"
        raw = json.dumps({"phone_number_id": PHONE_NUMBER_ID, "deep": "X"}).encode()
        raw = raw.replace(b'"X"', nested(depth).encode())
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Event": RECEIVED,
            "X-Webhook-Signature": kapso_signature(KAPSO_SECRET, raw),
        }
        hook = await ch.http.post(ch.url("/webhooks/kapso"), content=raw, headers=headers)
        assert hook.status_code == 400, (depth, hook.text)
        assert hook.json()["error"]["code"] == "bad_request"
    assert await stored(ch) == 0


async def test_the_caps_come_from_the_environment() -> None:
    from hub.settings import Settings

    settings = Settings.from_env({"HUB_WEBHOOK_MAX_BYTES": "1000", "HUB_API_MAX_BYTES": "2000"})
    assert (settings.webhook_max_bytes, settings.api_max_bytes) == (1000, 2000)
    defaults = Settings.from_env({})
    assert (defaults.webhook_max_bytes, defaults.api_max_bytes) == (1024 * KIB, 1024 * KIB)
