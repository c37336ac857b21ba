"""Request bodies, capped before they are read, and JSON parsed within a nesting depth.

`BodyLimit` is the ASGI middleware every HTTP request passes: the route's kind sets its
cap (webhooks, attachment uploads, any other API call; `BodyCaps`). A `Content-Length` over
the cap is answered `413 too_large` at once, without reading a byte of the body (and the
connection is closed, so nothing more of it is read either); a body without one (chunked) is
counted as it arrives and refused as soon as the count passes the cap, so no handler ever
holds more than the cap in memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.errors import ApiError

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # \ud800 to \udfff
MAX_DEPTH = 32  # JSON arrays and objects within each other; no route needs more than a few
ATTACHMENT_UPLOADS = re.compile(r"/api/(widget|conversations/[^/]+)/attachments")
WIDGET_PATHS = ("/api/widget/",)  # answered with CORS: the widget's page reads the error


@dataclass(frozen=True, slots=True)
class BodyCaps:
    """The largest body, in bytes, of each kind of route."""

    webhooks: int
    api: int
    attachments: int

    def of(self, path: str) -> int:
        if path.startswith("/webhooks/"):
            return self.webhooks
        if ATTACHMENT_UPLOADS.fullmatch(path):
            return self.attachments
        return self.api


class BadText(ValueError):
    """JSON whose strings escape half a surrogate pair (`"\\ud800"`): no Unicode text, so
    neither UTF-8 nor PostgreSQL can hold it (found by the API fuzz run, issue 21)."""

    def __init__(self) -> None:
        super().__init__("text must be Unicode: an escaped surrogate has no pair")


class TooDeep(ValueError):
    """JSON whose arrays and objects nest deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


def too_large(cap: int) -> ApiError:
    return ApiError(413, "too_large", f"the body may be at most {cap} bytes")


class BodyLimit:
    """ASGI middleware: 413 `too_large` for a body over its route's cap, before it is read."""

    def __init__(self, app: ASGIApp, caps: BodyCaps) -> None:
        self.app = app
        self.caps = caps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.caps.of(scope["path"])
        if _declared_length(scope) > cap:
            await _refuse(send, cap, str(scope["path"]).startswith(WIDGET_PATHS))
            return
        await self.app(scope, _counted(receive, cap), send)


def _declared_length(scope: Scope) -> int:
    """The request's Content-Length, 0 without one (the server checked its syntax)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _counted(receive: Receive, cap: int) -> Receive:
    """`receive`, raising 413 `too_large` once the body received passes `cap`: the handler
    stops reading, and its error is answered as any other."""
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise too_large(cap)
        return message

    return counting


async def _refuse(send: Send, cap: int, cors: bool) -> None:
    error = too_large(cap)
    body = json.dumps({"error": {"code": error.code, "message": error.message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread body is not read to find the next request
    ]
    if cors:
        headers.append((b"access-control-allow-origin", b"*"))
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def parse_json(raw: bytes) -> Any:
    """The JSON value of `raw`; ValueError when it is not JSON (or not UTF-8), TooDeep when
    its arrays and objects nest deeper than MAX_DEPTH (Python's parser would otherwise
    recurse to the interpreter's limit and fail with RecursionError), BadText when a string
    holds an unpaired surrogate (Python's parser accepts `"\\ud800"`)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise TooDeep from None
    if _depth(value) > MAX_DEPTH:
        raise TooDeep
    if SURROGATE_ESCAPE.search(raw) and _unpaired(value):  # the walk only when one may be
        raise BadText
    return value


def _unpaired(value: Any) -> bool:
    """Whether a string of `value` (keys included) is not encodable Unicode."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in `value` (0 for a scalar), counted without
    recursion and no further than MAX_DEPTH + 1."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest
