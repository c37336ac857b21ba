"""A fake Groq chat-completions API that the real `groq.AsyncGroq` talks to (PROVIDERS.md 4).

    fake = FakeGroq(api_key="gsk_test")
    fake.reply("Hello there!", chunk=4)
    async with serve(fake.app) as base, groq_client(base, "gsk_test") as client:
        stream = await client.chat.completions.create(model=..., messages=[...], stream=True)
        async for chunk in stream: ...
        await fake.wait_for_requests(1)

Order of checks on a request: record the body (`requests`), Bearer key (401), body
validation (400), model allow-list (404, only if `models` was given), then the next scripted
step (`reply`, `fail`, `error_mid_stream`, `hang`, `cut_off`, `stall`; FIFO) or, with an
empty script, the default reply. `stream: true` answers with the SSE of 4.3, otherwise the
JSON completion.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any

import anyio
from groq import AsyncGroq
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.serve import Recorder

COMPLETIONS_PATH = "/openai/v1/chat/completions"
DEFAULT_MODEL = "llama-3.1-8b-instant"
DEFAULT_REPLY = "I can help with that."
FINGERPRINT = "fp_fake0000"
RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-remaining-tokens": "5800",
    "x-ratelimit-reset-requests": "6s",
    "x-ratelimit-reset-tokens": "2s",
}
ERROR_DEFAULTS: dict[int, tuple[str, str, str | None]] = {  # status -> (message, type, code)
    400: ("Bad request", "invalid_request_error", None),
    401: ("Invalid API Key", "invalid_request_error", "invalid_api_key"),
    403: ("Forbidden", "permissions_error", None),
    404: ("Not found", "invalid_request_error", "not_found"),
    413: ("Request Entity Too Large", "invalid_request_error", "request_too_large"),
    422: ("Unprocessable Entity", "invalid_request_error", None),
    498: ("Flex tier capacity exceeded", "invalid_request_error", "capacity_exceeded"),
    500: ("Internal Server Error", "internal_server_error", None),
    502: ("Bad Gateway", "internal_server_error", None),
    503: ("Service Unavailable", "internal_server_error", "service_unavailable"),
}


# -- the script ------------------------------------------------------------------------------


@dataclass
class Reply:
    """A successful answer: `text`, then `tool_calls` ({"name", "arguments": dict})."""

    text: str
    chunk: int = 3
    delay: float = 0.0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: tuple[int, int] | None = None
    whole_tool_calls: bool = False
    finish_reason: str | None = None  # None: "tool_calls" if there are any, else "stop"


@dataclass
class Failure:
    """An HTTP error answer with Groq's `{"error": {message, type, code}}` body."""

    status: int
    message: str | None  # None: Groq's rate-limit text for the requested model (429)
    type: str
    code: str | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None


@dataclass
class MidStreamError:
    """A 200 stream that sends `text_before`, then an `{"error": ...}` event, then ends."""

    text_before: str
    message: str
    type: str = "internal_server_error"
    chunk: int = 3


@dataclass
class Hang:
    """Stall `seconds` (before the headers, or after the first chunk), then an empty reply."""

    seconds: float
    before_headers: bool = False


@dataclass
class CutOff:
    """A 200 stream that sends `text_before`, then ends: no final chunk, no `[DONE]`."""

    text_before: str
    chunk: int = 3
    drop: bool = False  # True: abort the connection instead of ending the body cleanly


@dataclass
class Stall:
    """A reply whose stream stops for `seconds` after its first `after` content chunks."""

    reply: Reply
    after: int
    seconds: float
    keepalive: float | None = None  # send `: keep-alive` comments this often while stalled


class DroppedConnection(Exception):
    """Raised inside a streaming body so that uvicorn aborts the connection mid-body."""


Step = Reply | Failure | MidStreamError | Hang | CutOff | Stall


# -- wire helpers ----------------------------------------------------------------------------


def groq_error(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    """Groq's error body `{"error": {"message", "type"[, "code"]}}` (PROVIDERS.md 4.4)."""
    error: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        error["code"] = code
    return {"error": error}


def rate_limit_message(model: str, retry_after: float | None) -> str:
    """The 429 text Groq writes for a tokens-per-minute limit."""
    wait = f"{retry_after:g}s" if retry_after is not None else "2.3s"
    return (
        f"Rate limit reached for model `{model}` in organization `org_fake` service tier "
        "`on_demand` on tokens per minute (TPM): Limit 6000, Used 5800, Requested 500. "
        f"Please try again in {wait}. Need more tokens? Upgrade to Dev Tier today at "
        "https://console.groq.com/settings/billing"
    )


def sse(payload: dict[str, Any] | str) -> bytes:
    """One server-sent event: `data: <compact JSON>\\n\\n` (or `data: [DONE]\\n\\n`)."""
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def pieces(text: str, size: int) -> list[str]:
    """`text` cut into consecutive pieces of at most `size` characters (none if empty)."""
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def request_id() -> str:
    """A Groq-like request id: `req_` + 26 lowercase characters."""
    return "req_" + secrets.token_hex(13)


def usage_json(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """A `CompletionUsage` with Groq's timing fields."""
    return {
        "queue_time": 0.01,
        "prompt_tokens": prompt_tokens,
        "prompt_time": 0.001,
        "completion_tokens": completion_tokens,
        "completion_time": 0.01,
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": 0.011,
    }


def estimate_usage(body: dict[str, Any], reply: Reply) -> tuple[int, int]:
    """(prompt, completion) token counts when the script gave none: ~4 characters a token."""
    prompt = len(json.dumps(body.get("messages", []))) // 4 + 1
    arguments = "".join(json.dumps(call["arguments"]) for call in reply.tool_calls)
    return prompt, (len(reply.text) + len(arguments)) // 4 + 1


def _tool_call_id() -> str:
    return "call_" + secrets.token_hex(12)


def _tool_calls_json(reply: Reply, ids: list[str]) -> list[dict[str, Any]]:
    """`message.tool_calls` of a non-streaming completion."""
    return [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for call_id, call in zip(ids, reply.tool_calls, strict=True)
    ]


def _tool_call_deltas(reply: Reply, ids: list[str]) -> list[dict[str, Any]]:
    """The `delta` of each tool-call chunk, OpenAI style: a header (id, type, name,
    arguments "") then the JSON arguments in pieces; or, with `whole_tool_calls`, one
    delta per call carrying everything."""
    deltas: list[dict[str, Any]] = []
    for index, (call_id, call) in enumerate(zip(ids, reply.tool_calls, strict=True)):
        arguments = json.dumps(call["arguments"])
        head = {"index": index, "id": call_id, "type": "function"}
        if reply.whole_tool_calls:
            function = {"name": call["name"], "arguments": arguments}
            deltas.append({"tool_calls": [{**head, "function": function}]})
            continue
        deltas.append(
            {"tool_calls": [{**head, "function": {"name": call["name"], "arguments": ""}}]}
        )
        for piece in pieces(arguments, reply.chunk):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


@dataclass
class _Completion:
    """Ids and model shared by every chunk of one answer."""

    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4()}")
    request_id: str = field(default_factory=request_id)
    created: int = field(default_factory=lambda: int(time.time()))

    def chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """One `chat.completion.chunk` with a single choice."""
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": FINGERPRINT,
            "choices": [
                {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
            ],
            **extra,
        }

    def first(self) -> dict[str, Any]:
        """The opening chunk: role, empty content, `x_groq.id`."""
        return self.chunk({"role": "assistant", "content": ""}, x_groq={"id": self.request_id})

    def last(self, finish_reason: str, usage: dict[str, Any]) -> dict[str, Any]:
        """The closing chunk: empty delta, finish reason, usage in `x_groq` and at top level."""
        x_groq = {"id": self.request_id, "usage": usage}
        return self.chunk({}, finish_reason, x_groq=x_groq, usage=usage)


# -- the fake --------------------------------------------------------------------------------


class FakeGroq(Recorder):
    """Groq's `POST /openai/v1/chat/completions`, streaming or not, with a FIFO script.

    State tests read: `requests` (every JSON body received, rejected ones included),
    `headers` (the matching request headers), `request_count`, `active_responses`
    (answers still being written; 0 once clients hung up or streams ended).
    """

    def __init__(
        self,
        api_key: str = "gsk_test",
        *,
        default_reply: str = DEFAULT_REPLY,
        models: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.default_reply = default_reply
        self.models = models
        self._script: deque[Step] = deque()
        self._released = asyncio.Event()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.active_responses = 0
        self.app = Starlette(
            routes=[Route(COMPLETIONS_PATH, self._create, methods=["POST"])],
            exception_handlers={HTTPException: self._http_error},
        )

    # -- script ------------------------------------------------------------------------------

    def reply(
        self,
        text: str,
        *,
        chunk: int = 3,
        delay: float = 0.0,
        tool_calls: list[dict[str, Any]] | None = None,
        usage: tuple[int, int] | None = None,
        whole_tool_calls: bool = False,
        finish_reason: str | None = None,
    ) -> None:
        """Queue a successful answer.

        Streamed as `text` in pieces of `chunk` characters, `delay` s apart, then each tool
        call ({"name": str, "arguments": dict}) as a header delta plus argument pieces (one
        delta per call if `whole_tool_calls`). `usage=(prompt, completion)`; estimated if None.
        `finish_reason` (e.g. "length") overrides the final chunk's "stop"/"tool_calls".
        """
        calls = [dict(call) for call in tool_calls or []]
        step = Reply(text, chunk, delay, calls, usage, whole_tool_calls, finish_reason)
        self._script.append(step)

    def fail(
        self,
        status: int,
        *,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        message: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
        times: int = 1,
    ) -> None:
        """Queue `times` HTTP errors. 429 defaults to Groq's TPM text, type "tokens", code
        "rate_limit_exceeded"; `retry_after`/`retry_after_ms` set `retry-after`/`retry-after-ms`.
        """
        default_message, default_type, default_code = ERROR_DEFAULTS.get(
            status,
            ("Error", "internal_server_error" if status >= 500 else "invalid_request_error", None),
        )
        if status == 429:
            default_type, default_code = "tokens", "rate_limit_exceeded"
        failure = Failure(
            status,
            message if message is not None or status == 429 else default_message,
            error_type if error_type is not None else default_type,
            code if code is not None else default_code,
            retry_after,
            retry_after_ms,
        )
        self._script.extend(failure for _ in range(times))

    def error_mid_stream(
        self,
        text_before: str,
        message: str,
        *,
        error_type: str = "internal_server_error",
    ) -> None:
        """Queue a 200 stream that sends `text_before`, then `data: {"error": ...}`, then ends
        (no final chunk, no `[DONE]`). On `stream: false` it answers a plain 500."""
        self._script.append(MidStreamError(text_before, message, error_type))

    def hang(self, seconds: float, *, before_headers: bool = False) -> None:
        """Queue a stall of `seconds`: after the headers and first chunk (default), or before
        any byte (`before_headers`). It ends early when the client hangs up or on `release()`;
        then the answer finishes as an empty reply."""
        self._script.append(Hang(seconds, before_headers))

    def cut_off(self, text_before: str, *, chunk: int = 3, drop: bool = False) -> None:
        """Queue a 200 stream cut short: the first chunk, `text_before` in pieces of `chunk`
        characters, then the end of the body with no final chunk (no `finish_reason`) and no
        `[DONE]`. `drop=True` aborts the TCP connection mid-body instead (the client reads an
        incomplete chunked body). On `stream: false` it answers a plain 500."""
        self._script.append(CutOff(text_before, chunk, drop))

    def stall(
        self,
        text: str,
        seconds: float,
        *,
        after: int = 1,
        chunk: int = 3,
        keepalive: float | None = None,
    ) -> None:
        """Queue `text` streamed in pieces of `chunk` characters that stops for `seconds`
        after the first `after` chunks following the opening one, then finishes normally.
        While stalled it sends `: keep-alive` SSE comments every `keepalive` s if set (the
        SDK skips them, but they reset a read timeout). The stall ends early on `release()`
        or when the client hangs up. On `stream: false` it answers the whole text at once."""
        self._script.append(Stall(Reply(text, chunk), after, seconds, keepalive))

    def release(self) -> None:
        """End every current and future `hang` at once (use before leaving `serve`)."""
        self._released.set()

    @property
    def pending(self) -> int:
        """Scripted steps not consumed yet."""
        return len(self._script)

    # -- observation -------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Every request received, rejected ones included."""
        return len(self.requests)

    async def wait_for_requests(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least `n` requests arrived; return every body received so far."""
        await self.wait_until(lambda: len(self.requests) >= n, timeout, f"{n} Groq requests")
        return list(self.requests)

    async def wait_for_idle(self, timeout: float = 5.0) -> None:
        """Wait until no answer is being written (hangs/streams ended or were cut off)."""
        await self.wait_until(lambda: self.active_responses == 0, timeout, "Groq answers to end")

    # -- HTTP --------------------------------------------------------------------------------

    async def _create(self, request: Request) -> Response:
        body = await self._record(request)
        rejected = self._reject(request, body)
        if rejected is not None:
            return self._error(rejected)
        step: Step = self._script.popleft() if self._script else Reply(self.default_reply)
        if isinstance(step, Failure):
            return self._error(step, body["model"])
        streaming = bool(body.get("stream"))
        if isinstance(step, Hang) and (step.before_headers or not streaming):
            await self._tracked(self._stall_unanswered(request, step.seconds))
            step = Reply("")
        completion = _Completion(str(body["model"]))
        headers = self._headers(completion)
        if streaming:
            stream = self._stream(completion, body, step)
            return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
        if isinstance(step, MidStreamError):
            return self._error(Failure(500, step.message, step.type))
        if isinstance(step, CutOff):
            return self._error(Failure(500, *ERROR_DEFAULTS[500]))
        if isinstance(step, Stall):
            step = step.reply
        assert isinstance(step, Reply)
        return JSONResponse(self._completion_json(completion, body, step), headers=headers)

    async def _record(self, request: Request) -> Any:
        """Append the body (`{"_raw": text}` if not a JSON object) and headers; return the
        parsed JSON (None if unparsable) and wake `wait_for_requests`."""
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        record = body if isinstance(body, dict) else {"_raw": raw.decode("utf-8", "replace")}
        self.requests.append(record)
        self.headers.append(dict(request.headers))
        await self._notify()
        return body

    def _reject(self, request: Request, body: Any) -> Failure | None:
        """Auth and validation errors, or None if the request is acceptable."""
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() != self.api_key:
            return Failure(401, *ERROR_DEFAULTS[401])
        if not isinstance(body, dict):
            return Failure(400, "The request body must be a JSON object.", "invalid_request_error")
        if not isinstance(body.get("model"), str) or not body["model"]:
            return Failure(400, "property 'model' is missing", "invalid_request_error")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return Failure(400, "property 'messages' is missing", "invalid_request_error")
        if self.models is not None and body["model"] not in self.models:
            message = f"The model `{body['model']}` does not exist or you do not have access to it."
            return Failure(404, message, "invalid_request_error", "model_not_found")
        return None

    def _headers(self, completion: _Completion | None = None) -> dict[str, str]:
        headers = dict(RATE_LIMIT_HEADERS)
        headers["x-request-id"] = completion.request_id if completion else request_id()
        return headers

    def _error(self, failure: Failure, model: str = DEFAULT_MODEL) -> Response:
        headers = self._headers()
        if failure.status == 429:
            headers["x-ratelimit-remaining-tokens"] = "0"
        if failure.retry_after is not None:
            headers["retry-after"] = f"{failure.retry_after:g}"
        if failure.retry_after_ms is not None:
            headers["retry-after-ms"] = str(failure.retry_after_ms)
        message = failure.message
        if message is None:
            message = rate_limit_message(model, failure.retry_after)
        body = groq_error(message, failure.type, failure.code)
        return JSONResponse(body, status_code=failure.status, headers=headers)

    def _completion_json(
        self, completion: _Completion, body: dict[str, Any], reply: Reply
    ) -> dict[str, Any]:
        """The non-streaming `chat.completion` (PROVIDERS.md 4.3, last paragraph)."""
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.tool_calls:
            ids = [_tool_call_id() for _ in reply.tool_calls]
            message["tool_calls"] = _tool_calls_json(reply, ids)
        usage = usage_json(*(reply.usage or estimate_usage(body, reply)))
        return {
            "id": completion.id,
            "object": "chat.completion",
            "created": completion.created,
            "model": completion.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": usage,
            "system_fingerprint": FINGERPRINT,
            "x_groq": {"id": completion.request_id},
            "service_tier": "on_demand",
        }

    async def _stream(
        self, completion: _Completion, body: dict[str, Any], step: Step
    ) -> AsyncIterator[bytes]:
        """The SSE body. Starlette cancels it when the client hangs up (ASGI spec 2.3)."""
        self.active_responses += 1
        try:
            yield sse(completion.first())
            if isinstance(step, MidStreamError | CutOff):
                async for event in self._cut_events(completion, step):
                    yield event
                return
            if isinstance(step, Hang):
                await self._stall(step.seconds)
                step = Reply("")
            if isinstance(step, Stall):
                async for event in self._stalled_events(completion, body, step):
                    yield event
                return
            assert isinstance(step, Reply)
            async for event in self._reply_events(completion, body, step):
                yield event
        finally:
            self.active_responses -= 1
            with anyio.CancelScope(shield=True):
                await self._notify()

    async def _cut_events(
        self, completion: _Completion, step: MidStreamError | CutOff
    ) -> AsyncIterator[bytes]:
        """`text_before`, then an error event (MidStreamError), an aborted connection
        (CutOff with `drop`) or nothing: either way no final chunk and no `[DONE]`."""
        for piece in pieces(step.text_before, step.chunk):
            yield sse(completion.chunk({"content": piece}))
        if isinstance(step, MidStreamError):
            yield sse(groq_error(step.message, step.type))
        elif step.drop:
            raise DroppedConnection("connection dropped mid-body (scripted)")

    async def _stalled_events(
        self, completion: _Completion, body: dict[str, Any], stall: Stall
    ) -> AsyncIterator[bytes]:
        """The reply's events with the stall (and its keep-alives) after the first `after`."""
        sent = 0
        async for event in self._reply_events(completion, body, stall.reply):
            if sent == stall.after:
                async for comment in self._keepalives(stall):
                    yield comment
            sent += 1
            yield event

    async def _reply_events(
        self, completion: _Completion, body: dict[str, Any], reply: Reply
    ) -> AsyncIterator[bytes]:
        """Content chunks, tool-call chunks, the final chunk and `[DONE]`."""
        ids = [_tool_call_id() for _ in reply.tool_calls]
        deltas = [{"content": piece} for piece in pieces(reply.text, reply.chunk)]
        deltas += _tool_call_deltas(reply, ids)
        for delta in deltas:
            if reply.delay > 0:
                await asyncio.sleep(reply.delay)
            yield sse(completion.chunk(delta))
        usage = usage_json(*(reply.usage or estimate_usage(body, reply)))
        finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
        yield sse(completion.last(finish, usage))
        yield sse("[DONE]")

    async def _stall(self, seconds: float) -> None:
        """Sleep `seconds`, or less if `release()` is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), seconds)

    async def _keepalives(self, stall: Stall) -> AsyncIterator[bytes]:
        """Stall for `stall.seconds` (less on `release()`), yielding SSE comments every
        `stall.keepalive` s if set."""
        deadline = time.monotonic() + stall.seconds
        step = stall.keepalive or stall.seconds
        while not self._released.is_set() and (left := deadline - time.monotonic()) > 0:
            await self._stall(min(step, left))
            if stall.keepalive is not None and not self._released.is_set():
                yield b": keep-alive\n\n"

    async def _stall_unanswered(self, request: Request, seconds: float) -> None:
        """Stall before answering, ending early if the client disconnects (no one else
        listens for the disconnect before a response starts)."""

        async def disconnected() -> None:
            while (await request.receive())["type"] != "http.disconnect":
                pass

        waiters = {
            asyncio.ensure_future(self._stall(seconds)),
            asyncio.ensure_future(disconnected()),
        }
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _tracked(self, work: Awaitable[None]) -> None:
        """Run `work` counted in `active_responses`."""
        self.active_responses += 1
        try:
            await work
        finally:
            self.active_responses -= 1
            with anyio.CancelScope(shield=True):
                await self._notify()

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        """Unknown paths and methods answer in Groq's JSON envelope."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = f"Unknown request URL: {request.method} {request.url.path}."
        return JSONResponse(
            groq_error(message, "invalid_request_error", "unknown_url"), status_code=status
        )


@contextlib.asynccontextmanager
async def groq_client(
    base_url: str, api_key: str = "gsk_test", *, timeout: float = 5.0, max_retries: int = 0
) -> AsyncIterator[AsyncGroq]:
    """A real `groq.AsyncGroq` aimed at the fake's origin (no `/openai/v1`), closed on exit."""
    client = AsyncGroq(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
    try:
        yield client
    finally:
        await client.close()


__all__ = [
    "COMPLETIONS_PATH",
    "DEFAULT_MODEL",
    "DEFAULT_REPLY",
    "FakeGroq",
    "groq_client",
    "groq_error",
]
