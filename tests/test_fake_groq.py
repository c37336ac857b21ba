"""FakeGroq, proven against the real `groq.AsyncGroq` SDK over HTTP (PROVIDERS.md 4)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import groq
import httpx
import pytest
from groq import AsyncGroq
from groq.types.chat import ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionToolParam
from groq.types.chat.chat_completion_chunk import ChoiceDeltaToolCall
from groq.types.completion_usage import CompletionUsage

from tests.fakes.groq import FakeGroq, groq_client
from tests.fakes.serve import serve

KEY = "gsk_test_key"
MODEL = "llama-3.1-8b-instant"
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are a helpful sales assistant."},
    {"role": "user", "content": "Do you ship to Lisbon?"},
]
TOOLS: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "book_call",
            "description": "Book a call with sales",
            "parameters": {"type": "object", "properties": {"when": {"type": "string"}}},
        },
    }
]


@dataclass
class Collected:
    """Everything a consumer accumulates from one stream."""

    chunks: list[ChatCompletionChunk] = field(default_factory=list)
    content: list[str] = field(default_factory=list)
    tool_deltas: list[ChoiceDeltaToolCall] = field(default_factory=list)
    finish_reason: str | None = None

    @property
    def text(self) -> str:
        """The joined content."""
        return "".join(self.content)

    def tool_calls(self) -> list[dict[str, Any]]:
        """Tool calls rebuilt by index: id and name from the header delta, arguments joined."""
        calls: dict[int, dict[str, Any]] = {}
        for delta in self.tool_deltas:
            call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
            call["id"] = delta.id or call["id"]
            if delta.function is not None:
                call["name"] += delta.function.name or ""
                call["arguments"] += delta.function.arguments or ""
        return [
            {**call, "arguments": json.loads(call["arguments"])}
            for _, call in sorted(calls.items())
        ]


async def collect(stream: groq.AsyncStream[ChatCompletionChunk]) -> Collected:
    """Drain a chat-completions stream the way the hub adapter will."""
    out = Collected()
    async for chunk in stream:
        out.chunks.append(chunk)
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        if choice.delta.content:
            out.content.append(choice.delta.content)
        out.tool_deltas.extend(choice.delta.tool_calls or [])
        out.finish_reason = choice.finish_reason or out.finish_reason
    return out


async def create_stream(
    client: AsyncGroq,
    *,
    tools: list[ChatCompletionToolParam] | groq.Omit = groq.omit,
    temperature: float | groq.Omit = groq.omit,
    max_tokens: int | groq.Omit = groq.omit,
) -> groq.AsyncStream[ChatCompletionChunk]:
    """`chat.completions.create(..., stream=True)` with the test model and messages
    (`groq.omit` leaves a parameter out of the body; None would send `null`)."""
    return await client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        stream=True,
        tools=tools,
        temperature=temperature,
        max_tokens=max_tokens,
    )


@pytest.fixture
async def groq_fake() -> AsyncIterator[tuple[FakeGroq, str]]:
    """A running FakeGroq and its base URL; any hang is released before the server stops."""
    fake = FakeGroq(api_key=KEY)
    async with serve(fake.app) as base:
        try:
            yield fake, base
        finally:
            fake.release()


# -- streaming text --------------------------------------------------------------------------


async def test_stream_text_in_several_chunks_with_usage(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    text = "Yes, we ship to Lisbon within 3 days."
    fake.reply(text, chunk=5, usage=(42, 11))
    async with groq_client(base, KEY) as client:
        stream = await create_stream(client, temperature=0.2, max_tokens=256)
        out = await collect(stream)

    assert out.text == text
    assert len(out.content) == 8  # ceil(37 / 5)
    first, last = out.chunks[0], out.chunks[-1]
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert first.x_groq is not None and (first.x_groq.id or "").startswith("req_")
    assert all(chunk.x_groq is None for chunk in out.chunks[1:-1])
    assert out.finish_reason == "stop"
    assert last.choices[0].delta.content is None and last.choices[0].delta.role is None
    assert last.x_groq is not None and isinstance(last.x_groq.usage, CompletionUsage)
    assert (last.x_groq.usage.prompt_tokens, last.x_groq.usage.completion_tokens) == (42, 11)
    assert last.usage is not None and last.usage.total_tokens == 53
    assert len({chunk.id for chunk in out.chunks}) == 1
    assert all(chunk.model == MODEL for chunk in out.chunks)

    [body] = await fake.wait_for_requests(1)
    assert body == {
        "messages": MESSAGES,
        "model": MODEL,
        "stream": True,
        "temperature": 0.2,
        "max_tokens": 256,
    }
    assert fake.request_count == 1
    assert fake.headers[0]["authorization"] == f"Bearer {KEY}"
    assert fake.headers[0]["x-stainless-retry-count"] == "0"


async def test_wire_format_is_data_lines_only(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("Hi!", chunk=1)
    body = {"model": MODEL, "messages": MESSAGES, "stream": True}
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
        response = await http.post("/openai/v1/chat/completions", json=body, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "x-ratelimit-remaining-tokens" in response.headers
    events = response.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert all(event.startswith("data: ") for event in events[:-1])
    payloads = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
    assert [p["choices"][0]["delta"] for p in payloads] == [
        {"role": "assistant", "content": ""},
        {"content": "H"},
        {"content": "i"},
        {"content": "!"},
        {},
    ]
    assert payloads[-1]["usage"] == payloads[-1]["x_groq"]["usage"]
    assert all(", " not in e and '": ' not in e for e in events[:-2])  # compact JSON


async def test_default_reply_and_fifo_script(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("first")
    fake.reply("second")
    async with groq_client(base, KEY) as client:
        texts = [(await collect(await create_stream(client))).text for _ in range(3)]
    assert texts == ["first", "second", "I can help with that."]
    assert fake.pending == 0


async def test_delay_paces_the_chunks(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("abcdef", chunk=2, delay=0.05)
    arrivals: list[float] = []
    async with groq_client(base, KEY) as client:
        async for chunk in await create_stream(client):
            if chunk.choices and chunk.choices[0].delta.content:
                arrivals.append(time.monotonic())
    assert len(arrivals) == 3
    assert arrivals[-1] - arrivals[0] >= 0.08  # two 50 ms gaps, some scheduling slack


# -- tool calls ------------------------------------------------------------------------------


async def test_streamed_tool_calls_accumulate_by_index(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    calls = [
        {"name": "book_call", "arguments": {"when": "tomorrow 10:00", "tz": "Europe/Lisbon"}},
        {"name": "tag_lead", "arguments": {"tags": ["shipping", "pt"]}},
    ]
    fake.reply("Let me book that.", tool_calls=calls, chunk=4)
    async with groq_client(base, KEY) as client:
        out = await collect(await create_stream(client, tools=TOOLS))

    assert out.text == "Let me book that."
    assert out.finish_reason == "tool_calls"
    rebuilt = out.tool_calls()
    assert [(c["name"], c["arguments"]) for c in rebuilt] == [
        (c["name"], c["arguments"]) for c in calls
    ]
    assert all(c["id"].startswith("call_") for c in rebuilt)
    heads = [d for d in out.tool_deltas if d.id is not None]
    assert [(d.index, d.type) for d in heads] == [(0, "function"), (1, "function")]
    assert all(d.function is not None and d.function.arguments == "" for d in heads)
    pieces = [d for d in out.tool_deltas if d.id is None]
    assert len(pieces) > 2
    assert all(d.type is None and d.function and d.function.name is None for d in pieces)
    assert fake.requests[0]["tools"] == TOOLS


async def test_whole_tool_calls_in_one_delta(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply(
        "", tool_calls=[{"name": "book_call", "arguments": {"when": "now"}}], whole_tool_calls=True
    )
    async with groq_client(base, KEY) as client:
        out = await collect(await create_stream(client, tools=TOOLS))
    assert out.text == ""
    assert len(out.tool_deltas) == 1
    assert out.tool_calls()[0]["arguments"] == {"when": "now"}
    assert out.finish_reason == "tool_calls"


async def test_non_streaming_completion(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("Sure.", usage=(10, 2))
    fake.reply("", tool_calls=[{"name": "book_call", "arguments": {"when": "now"}}])
    async with groq_client(base, KEY) as client:
        plain = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        tooled = await client.chat.completions.create(model=MODEL, messages=MESSAGES, tools=TOOLS)

    assert plain.choices[0].message.content == "Sure."
    assert plain.choices[0].finish_reason == "stop"
    assert plain.usage is not None and plain.usage.total_tokens == 12
    [call] = tooled.choices[0].message.tool_calls or []
    assert call.function.name == "book_call"
    assert json.loads(call.function.arguments) == {"when": "now"}
    assert tooled.choices[0].finish_reason == "tool_calls"
    assert "stream" not in fake.requests[0]


# -- errors ----------------------------------------------------------------------------------


async def test_wrong_key_is_401_and_keeps_the_script(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("kept")
    async with groq_client(base, "gsk_wrong") as client:
        with pytest.raises(groq.AuthenticationError) as caught:
            await create_stream(client)
    assert caught.value.status_code == 401
    assert caught.value.body == {  # the whole JSON body, unlike a mid-stream APIError
        "error": {
            "message": "Invalid API Key",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    assert fake.request_count == 1 and fake.pending == 1


async def test_429_raises_rate_limit_error_with_headers(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.fail(429, retry_after=2.5, retry_after_ms=2500)
    async with groq_client(base, KEY) as client:
        with pytest.raises(groq.RateLimitError) as caught:
            await create_stream(client)
    error = caught.value
    assert error.status_code == 429
    assert error.response.headers["retry-after"] == "2.5"
    assert error.response.headers["retry-after-ms"] == "2500"
    assert error.response.headers["x-ratelimit-remaining-tokens"] == "0"
    assert isinstance(error.body, dict)
    details = error.body["error"]
    assert (details["type"], details["code"]) == ("tokens", "rate_limit_exceeded")
    assert f"`{MODEL}`" in details["message"] and "try again in 2.5s" in details["message"]
    assert error.message.startswith("Error code: 429 - ")


async def test_5xx_then_retry_succeeds(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.fail(503, retry_after_ms=10)
    fake.fail(500, retry_after_ms=10)
    fake.reply("Back online.")
    async with groq_client(base, KEY, max_retries=2) as client:
        out = await collect(await create_stream(client))
    assert out.text == "Back online."
    assert [h["x-stainless-retry-count"] for h in fake.headers] == ["0", "1", "2"]

    fake.fail(503)
    async with groq_client(base, KEY) as client:
        with pytest.raises(groq.InternalServerError) as caught:
            await create_stream(client)
    assert caught.value.status_code == 503
    assert caught.value.body == {
        "error": {
            "message": "Service Unavailable",
            "type": "internal_server_error",
            "code": "service_unavailable",
        }
    }


async def test_error_mid_stream_raises_api_error(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.error_mid_stream("Partial ans", "model crashed")
    received: list[str] = []
    async with groq_client(base, KEY) as client:
        stream = await create_stream(client)
        with pytest.raises(groq.APIError) as caught:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    received.append(chunk.choices[0].delta.content)
    assert "".join(received) == "Partial ans"
    error = caught.value
    assert type(error) is groq.APIError  # not an APIStatusError: the status was 200
    assert error.message == "model crashed"
    assert error.body == {"message": "model crashed", "type": "internal_server_error"}
    await fake.wait_for_idle()


async def test_unknown_model_and_bad_base_url_are_404(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.models = {MODEL}
    async with groq_client(base, KEY) as client:
        with pytest.raises(groq.NotFoundError) as unknown:
            await client.chat.completions.create(model="nope", messages=MESSAGES, stream=True)
    assert isinstance(unknown.value.body, dict)
    assert unknown.value.body["error"]["code"] == "model_not_found"
    async with groq_client(base + "/openai/v1", KEY) as client:
        with pytest.raises(groq.NotFoundError):
            await create_stream(client)
    assert fake.request_count == 1  # the doubled /openai/v1/openai/v1 path never reached it


# -- hangs and timeouts ----------------------------------------------------------------------


async def test_hang_after_first_chunk_times_out_during_iteration(
    groq_fake: tuple[FakeGroq, str],
) -> None:
    """Once the headers are in, `create()` has returned and the SDK no longer wraps transport
    errors: the read timeout surfaces from iteration as a bare `httpx.ReadTimeout`."""
    fake, base = groq_fake
    fake.hang(30)
    started = time.monotonic()
    async with groq_client(base, KEY, timeout=0.5) as client:
        stream = await create_stream(client)
        first = await stream.__anext__()
        assert first.choices[0].delta.role == "assistant"
        with pytest.raises(httpx.ReadTimeout):
            await stream.__anext__()
        await stream.close()
    assert time.monotonic() - started < 3
    await fake.wait_for_idle(timeout=2)
    assert fake.active_responses == 0


@pytest.mark.parametrize("stream", [True, False])
async def test_hang_before_headers_raises_api_timeout(
    groq_fake: tuple[FakeGroq, str], stream: bool
) -> None:
    """A stall before the headers (any non-streaming hang, too) times out inside `create()`,
    wrapped as APITimeoutError; the fake notices the hang-up and stops waiting."""
    fake, base = groq_fake
    fake.hang(30, before_headers=stream)
    started = time.monotonic()
    async with groq_client(base, KEY, timeout=0.5) as client:
        with pytest.raises(groq.APITimeoutError):
            await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=stream)
    assert time.monotonic() - started < 3
    await fake.wait_for_idle(timeout=2)


# -- cut-off and stalled streams -------------------------------------------------------------


async def test_a_cut_off_stream_just_ends_in_the_sdk(groq_fake: tuple[FakeGroq, str]) -> None:
    """A body that ends without the final chunk and `[DONE]` raises nothing in the SDK: the
    iteration simply stops, so only a missing `finish_reason` tells the reply is partial."""
    fake, base = groq_fake
    fake.cut_off("Our prices start", chunk=4)
    async with groq_client(base, KEY) as client:
        out = await collect(await create_stream(client))
    assert out.text == "Our prices start"
    assert len(out.content) == 4
    assert out.finish_reason is None
    await fake.wait_for_idle()

    fake.cut_off("Hi", chunk=1)
    body = {"model": MODEL, "messages": MESSAGES, "stream": True}
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
        response = await http.post("/openai/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200
    events = response.text.split("\n\n")
    assert events[-1] == "" and "data: [DONE]" not in events
    payloads = [json.loads(event.removeprefix("data: ")) for event in events[:-1]]
    assert [p["choices"][0]["delta"] for p in payloads] == [
        {"role": "assistant", "content": ""},
        {"content": "H"},
        {"content": "i"},
    ]
    assert all(p["choices"][0]["finish_reason"] is None for p in payloads)


async def test_a_dropped_connection_raises_mid_iteration(groq_fake: tuple[FakeGroq, str]) -> None:
    """An aborted connection surfaces as a bare httpx error (an incomplete chunked body)."""
    fake, base = groq_fake
    fake.cut_off("Our prices", drop=True)
    received: list[str] = []
    async with groq_client(base, KEY) as client:
        stream = await create_stream(client)
        with pytest.raises(httpx.RemoteProtocolError):
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    received.append(chunk.choices[0].delta.content)
    assert "".join(received) == "Our prices"
    await fake.wait_for_idle()


async def test_keepalives_during_a_stall_defeat_the_read_timeout(
    groq_fake: tuple[FakeGroq, str],
) -> None:
    """SSE comments reset httpx's read timeout yet yield no chunk: a stalled model behind
    keep-alives is only caught by timing the chunks themselves."""
    fake, base = groq_fake
    fake.stall("abcdef", 0.8, after=1, chunk=2, keepalive=0.05)
    arrivals: list[float] = []
    async with groq_client(base, KEY, timeout=0.3) as client:
        out = Collected()
        async for chunk in await create_stream(client):
            out.chunks.append(chunk)
            if chunk.choices and chunk.choices[0].delta.content:
                out.content.append(chunk.choices[0].delta.content)
                arrivals.append(time.monotonic())
            out.finish_reason = (chunk.choices and chunk.choices[0].finish_reason) or None
    assert out.text == "abcdef" and out.finish_reason == "stop"
    assert arrivals[1] - arrivals[0] >= 0.7  # the stall, longer than the 0.3 s read timeout


async def test_a_stall_ends_on_release(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.stall("abcdef", 30, after=2, chunk=2)
    async with groq_client(base, KEY) as client:
        stream = await create_stream(client)
        first = [await stream.__anext__() for _ in range(3)]  # opening + 2 content chunks
        assert [c.choices[0].delta.content for c in first] == ["", "ab", "cd"]
        fake.release()
        rest = await collect(stream)
    assert rest.text == "ef" and rest.finish_reason == "stop"


async def test_a_stall_ends_when_the_client_hangs_up(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.stall("abcdef", 30, after=1, chunk=2, keepalive=0.05)
    started = time.monotonic()
    async with groq_client(base, KEY) as client:
        stream = await create_stream(client)
        await stream.__anext__()
        assert (await stream.__anext__()).choices[0].delta.content == "ab"
        await stream.close()
    await fake.wait_for_idle(timeout=2)
    assert time.monotonic() - started < 3


async def test_finish_reason_can_be_scripted(groq_fake: tuple[FakeGroq, str]) -> None:
    fake, base = groq_fake
    fake.reply("A long answer that hit max_to", finish_reason="length")
    async with groq_client(base, KEY) as client:
        out = await collect(await create_stream(client, max_tokens=8))
    assert out.text == "A long answer that hit max_to"
    assert out.finish_reason == "length"


async def test_wait_for_requests_times_out_without_sleeping() -> None:
    fake = FakeGroq()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="1 Groq requests"):
        await fake.wait_for_requests(1, timeout=0.05)
    assert time.monotonic() - started < 1
