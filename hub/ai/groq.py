"""Replies streamed from Groq with the `groq` SDK's AsyncGroq."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import groq
import httpx
from groq import AsyncStream
from groq.types.chat import ChatCompletionChunk

from hub.ai.base import Piece, Prompt, ReplierError, ToolCall

DEFAULT_BASE_URL = "https://api.groq.com"


class GroqReplier:
    """One AsyncGroq client for the process, at GROQ_BASE_URL when it is set."""

    def __init__(self, api_key: str, base_url: str | None = None, timeout: float = 20.0) -> None:
        # Retries are ours (bounded, honouring retry-after, and only before any text went out).
        # An explicit default: left to itself the SDK would read an empty GROQ_BASE_URL.
        self.client = groq.AsyncGroq(
            api_key=api_key, base_url=base_url or DEFAULT_BASE_URL, max_retries=0, timeout=timeout
        )

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
        kwargs: dict[str, Any] = {}
        if prompt.tools:
            kwargs["tools"] = prompt.tools
        stream: AsyncStream[ChatCompletionChunk] = await self.client.chat.completions.create(  # type: ignore[assignment]
            model=prompt.model,
            messages=prompt.messages,  # type: ignore[arg-type]
            temperature=prompt.temperature,
            max_tokens=prompt.max_tokens,
            stream=True,
            **kwargs,
        )
        calls: dict[int, dict[str, str]] = {}
        async for chunk in stream:
            usage = _usage(chunk)
            if usage is not None:
                yield Piece(usage=usage)
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            for call in delta.tool_calls or ():
                slot = calls.setdefault(call.index, {"name": "", "arguments": ""})
                if call.function is not None:
                    slot["name"] += call.function.name or ""
                    slot["arguments"] += call.function.arguments or ""
            if delta.content:
                yield Piece(text=delta.content)
        for slot in calls.values():
            yield Piece(tool_call=ToolCall(slot["name"], _arguments(slot["arguments"])))


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
