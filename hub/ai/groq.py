"""Replies streamed from Groq with the `groq` SDK's AsyncGroq.

A reply counts only once a chunk carries a `finish_reason` (stop, length, tool_calls, ...).
The SDK ends its iteration quietly when the body ends early (no final chunk, no `[DONE]`), and
SSE keep-alive comments reset httpx's read timeout without yielding a chunk; so the end of the
stream, and the time between chunks, are checked here: an unfinished, stalled or overlong
stream is a ReplierError, never a short answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import groq
import httpx
from groq import AsyncStream
from groq.types.chat import ChatCompletionChunk
from groq.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from hub.ai.base import Piece, Prompt, ReplierError, ToolCall

log = logging.getLogger("hub.groq")

DEFAULT_BASE_URL = "https://api.groq.com"
CUT_OFF = "the model's reply was cut off"


class GroqReplier:
    """One AsyncGroq client for the process, at GROQ_BASE_URL when it is set.

    `idle_timeout`: the longest wait for the next chunk once the stream is open.
    `total_timeout`: the longest a whole attempt may take, request included.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 20.0,
        *,
        idle_timeout: float = 15.0,
        total_timeout: float = 60.0,
    ) -> None:
        # Retries are ours (bounded, honouring retry-after, and only before any text went out).
        # An explicit default: left to itself the SDK would read an empty GROQ_BASE_URL.
        self.client = groq.AsyncGroq(
            api_key=api_key, base_url=base_url or DEFAULT_BASE_URL, max_retries=0, timeout=timeout
        )
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout

    async def close(self) -> None:
        await self.client.close()

    async def stream(self, prompt: Prompt) -> AsyncIterator[Piece]:
        try:
            async for piece in self._stream(prompt):
                yield piece
        except groq.RateLimitError as exc:
            raise ReplierError("Groq rate limit", _retry_after(exc.response.headers)) from None
        except groq.APIStatusError as exc:
            retry = 1.0 if exc.status_code >= 500 else None
            raise ReplierError(f"Groq error {exc.status_code}", retry) from None
        except (groq.APIConnectionError, groq.APITimeoutError, httpx.TransportError) as exc:
            # httpx's own errors surface when the stream stalls or drops after the headers.
            raise ReplierError(f"Groq unreachable: {type(exc).__name__}", 1.0) from None
        except groq.APIError as exc:  # an error event in the middle of the stream
            raise ReplierError(f"Groq stream failed: {exc.message}") from None

    async def _stream(self, prompt: Prompt) -> AsyncIterator[Piece]:
        deadline = asyncio.get_running_loop().time() + self.total_timeout
        stream = await self._create(prompt, deadline)
        calls: dict[int, dict[str, str]] = {}
        finish: str | None = None
        try:
            while (chunk := await self._next(stream, deadline)) is not None:
                usage = _usage(chunk)
                if usage is not None:
                    yield Piece(usage=usage)
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finish = choice.finish_reason or finish
                _add_calls(calls, choice.delta.tool_calls or ())
                if choice.delta.content:
                    yield Piece(text=choice.delta.content)
        finally:
            await stream.close()  # hang up at once: a dropped reply must not hold a connection
        if finish is None:
            # Retryable like a dropped connection; the assistant retries only while no text
            # was shown. Half-streamed tool calls are never run.
            raise ReplierError(CUT_OFF, 1.0)
        if finish == "length":
            log.info("Groq reply reached max_tokens (%d); saved as streamed", prompt.max_tokens)
        for slot in calls.values():
            yield Piece(tool_call=ToolCall(slot["name"], _arguments(slot["arguments"])))

    async def _create(self, prompt: Prompt, deadline: float) -> AsyncStream[ChatCompletionChunk]:
        """Open the stream within the attempt's deadline (the SDK's own timeout, 20 s for
        the headers, usually fires first)."""
        kwargs: dict[str, Any] = {}
        if prompt.tools:
            kwargs["tools"] = prompt.tools
        request = self.client.chat.completions.create(
            model=prompt.model,
            messages=prompt.messages,  # type: ignore[arg-type]
            temperature=prompt.temperature,
            max_tokens=prompt.max_tokens,
            stream=True,
            **kwargs,
        )
        try:
            async with asyncio.timeout_at(deadline):
                return await request  # type: ignore[return-value]
        except TimeoutError:
            raise ReplierError("Groq took too long to answer", None) from None

    async def _next(
        self, stream: AsyncStream[ChatCompletionChunk], deadline: float
    ) -> ChatCompletionChunk | None:
        """The next chunk, or None at the end of the stream; a ReplierError when none comes
        within `idle_timeout`, or the attempt's `total_timeout` runs out.

        The timeout wraps only this read, never the caller's work between chunks: a timer
        spanning the generator's `yield` would cancel whatever the consumer was doing."""
        left = deadline - asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(min(self.idle_timeout, left)):
                return await stream.__anext__()
        except StopAsyncIteration:
            return None
        except TimeoutError:
            if left <= self.idle_timeout:  # the whole reply's budget is spent: no retry
                raise ReplierError(f"the reply took over {self.total_timeout:g} s") from None
            raise ReplierError(f"Groq stalled: no chunk for {self.idle_timeout:g} s", 1.0) from None


def _add_calls(calls: dict[int, dict[str, str]], deltas: Iterable[ChoiceDeltaToolCall]) -> None:
    """Accumulate streamed tool-call deltas by index (name and JSON arguments in pieces)."""
    for call in deltas:
        slot = calls.setdefault(call.index, {"name": "", "arguments": ""})
        if call.function is not None:
            slot["name"] += call.function.name or ""
            slot["arguments"] += call.function.arguments or ""


def _usage(chunk: Any) -> tuple[int, int] | None:
    usage = getattr(chunk, "usage", None) or getattr(getattr(chunk, "x_groq", None), "usage", None)
    if usage is None:
        return None
    return int(usage.prompt_tokens), int(usage.completion_tokens)


def _arguments(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _retry_after(headers: Any) -> float:
    """Groq's retry-after (seconds), bounded so a visitor is never kept waiting long."""
    try:
        return min(max(float(headers.get("retry-after", "1")), 0.0), 10.0)
    except ValueError:
        return 1.0
