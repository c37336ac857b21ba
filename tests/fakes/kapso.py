"""A fake Kapso Meta-proxy (WhatsApp send) that `kapso_whatsapp` talks to (PROVIDERS.md 3.1).

    fake = FakeKapso(); fake.add_number("123456789012345", "kapso-key")
    async with serve(fake.app) as base, kapso_client(base, "kapso-key") as client:
        sent = await client.messages.send_text(phone_number_id=..., to=..., body=...)

Order of checks on a send: count the attempt, `X-API-Key` (401), unknown number (400/100/33),
scripted failure (`fail_next`), body validation (400/100), closed 24 h window (422, only
if `close_window` was called), then record and answer 200.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from kapso_whatsapp import WhatsAppClient
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serve import Recorder
from tests.fakes.webhooks import new_wamid

PREFIX = "/meta/whatsapp"
VERSION = re.compile(r"^v\d+(\.\d+)?$")
MAX_TEXT = 4096
RE_ENGAGEMENT = 131047
WINDOW_MESSAGE = (
    "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number. Use a template message (24-hour window closed)."
)


@dataclass
class Failure:
    """One scripted error answer."""

    status: int
    code: int | str
    message: str
    retry_after: float | None = None
    error_subcode: int | None = None
    details: str | None = None
    body: dict[str, Any] | None = None


@dataclass
class Attempt:
    """One send request as the fake saw it, and the HTTP status it answered."""

    phone_number_id: str
    graph_version: str | None
    payload: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)


def fbtrace_id() -> str:
    """An opaque trace id like the ones Meta puts in every error."""
    return "A" + uuid.uuid4().hex[:22]


def meta_error(
    code: int | str,
    message: str,
    *,
    error_type: str = "OAuthException",
    error_subcode: int | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """Meta Graph's error envelope `{"error": {"message", "type", "code", ..., "fbtrace_id"}}`."""
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if error_subcode is not None:
        error["error_subcode"] = error_subcode
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = fbtrace_id()
    return {"error": error}


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _invalid(message: str) -> Failure:
    return Failure(400, 100, f"(#100) {message}")


def validate_send(payload: Any) -> Failure | None:
    """Meta's checks on a send body (PROVIDERS.md 3.1), or None if it is acceptable."""
    if not isinstance(payload, dict):
        return _invalid("The request body must be a JSON object.")
    if payload.get("messaging_product") != "whatsapp":
        return _invalid("The parameter messaging_product is required and must be 'whatsapp'.")
    to = payload.get("to")
    if not isinstance(to, str) or not to:
        return _invalid("The parameter to is required.")
    if not 6 <= len(_digits(to)) <= 15:
        return _invalid(f"Invalid parameter: to ({to!r}) is not a valid phone number.")
    kind = payload.get("type", "text")
    if kind != "text":
        if isinstance(payload.get(kind), dict):
            return None
        return _invalid(f"The parameter {kind} is required.")
    text = payload.get("text")
    body = text.get("body") if isinstance(text, dict) else None
    if not isinstance(body, str) or not body:
        return _invalid("The parameter text['body'] is required.")
    if len(body) > MAX_TEXT:
        return _invalid(f"Param text['body'] must be at most {MAX_TEXT} characters long.")
    return None


class FakeKapso(Recorder):
    """Kapso's `POST /meta/whatsapp[/{version}]/{phone_number_id}/messages`.

    State tests read: `messages` (accepted sends: the JSON body plus `wamid`,
    `phone_number_id`, `graph_version`), `attempts` (every request with its status),
    `request_count`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, str] = {}  # phone_number_id -> api key
        self._failures: deque[Failure] = deque()
        self._closed_windows: set[str] = set()  # recipient digits
        self.messages: list[dict[str, Any]] = []
        self.attempts: list[Attempt] = []
        self.app = Starlette(
            routes=[
                Route(
                    f"{PREFIX}/{{version}}/{{phone_number_id}}/messages",
                    self._send,
                    methods=["POST"],
                ),
                Route(f"{PREFIX}/{{phone_number_id}}/messages", self._send, methods=["POST"]),
            ],
            exception_handlers={HTTPException: self._http_error},
        )

    # -- configuration -----------------------------------------------------------------------

    def add_number(self, phone_number_id: str, api_key: str) -> None:
        """Serve `phone_number_id`, reachable with `X-API-Key: api_key`."""
        self._keys[phone_number_id] = api_key

    def fail_next(
        self,
        status: int,
        code: int | str,
        message: str,
        times: int = 1,
        retry_after: float | None = None,
        *,
        error_subcode: int | None = None,
        details: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` authenticated sends with a Meta error (queued in order).

        E.g. `fail_next(429, 130429, "Rate limit hit", retry_after=3)`,
        `fail_next(422, 131047, "Outside the 24-hour window")`, `fail_next(500, 1, "Boom")`.
        `body` replaces the envelope (e.g. Kapso's bare `{"error": "Invalid API key"}`).
        """
        for _ in range(times):
            failure = Failure(status, code, message, retry_after, error_subcode, details, body)
            self._failures.append(failure)

    def close_window(self, to: str) -> None:
        """Reject free-form sends to `to` with 422 "...24-hour..." (MessageWindowError)."""
        self._closed_windows.add(_digits(to))

    def open_window(self, to: str) -> None:
        """Undo `close_window(to)` (the customer wrote in)."""
        self._closed_windows.discard(_digits(to))

    # -- observation -------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Every send request received, failed ones included."""
        return len(self.attempts)

    async def wait_for_messages(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least `n` messages were accepted; return all accepted so far."""
        await self.wait_until(lambda: len(self.messages) >= n, timeout, f"{n} Kapso messages")
        return list(self.messages)

    async def wait_for_attempts(self, n: int, timeout: float = 5.0) -> list[Attempt]:
        """Wait until at least `n` send requests arrived (accepted or not)."""
        await self.wait_until(lambda: len(self.attempts) >= n, timeout, f"{n} Kapso requests")
        return list(self.attempts)

    # -- HTTP --------------------------------------------------------------------------------

    async def _send(self, request: Request) -> Response:
        version = request.path_params.get("version")
        phone_number_id = request.path_params["phone_number_id"]
        try:
            payload: Any = json.loads(await request.body())
        except ValueError:
            payload = None
        attempt = Attempt(phone_number_id, version, payload, 0, dict(request.headers))
        self.attempts.append(attempt)
        try:
            return self._answer(request, attempt)
        finally:
            await self._notify()

    def _answer(self, request: Request, attempt: Attempt) -> Response:
        number = attempt.phone_number_id
        if attempt.graph_version is not None and not VERSION.match(attempt.graph_version):
            return self._error(attempt, Failure(400, 2500, "Unknown path components"))
        key = request.headers.get("x-api-key")
        if not key or key not in self._keys.values():
            return self._error(attempt, Failure(401, 190, "Invalid API key"))
        if number not in self._keys or self._keys[number] != key:
            return self._error(
                attempt,
                Failure(
                    400,
                    100,
                    f"Unsupported post request. Object with ID '{number}' does not exist, "
                    "cannot be loaded due to missing permissions, or does not support this "
                    "operation.",
                    error_subcode=33,
                ),
            )
        if self._failures:
            return self._error(attempt, self._failures.popleft())
        failure = validate_send(attempt.payload)
        payload: dict[str, Any] = attempt.payload
        if failure is None and self._window_closed(payload):
            failure = Failure(422, RE_ENGAGEMENT, WINDOW_MESSAGE)
        if failure is not None:
            return self._error(attempt, failure)
        message_id = new_wamid()
        self.messages.append(
            {
                **payload,
                "wamid": message_id,
                "phone_number_id": number,
                "graph_version": attempt.graph_version,
            }
        )
        attempt.status = 200
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload["to"], "wa_id": _digits(payload["to"])}],
                "messages": [{"id": message_id}],
            }
        )

    def _window_closed(self, payload: dict[str, Any]) -> bool:
        """A free-form (non-template) send to a recipient whose 24 h window was closed."""
        is_template = payload.get("type", "text") == "template"
        return not is_template and _digits(payload["to"]) in self._closed_windows

    def _error(self, attempt: Attempt, failure: Failure) -> Response:
        attempt.status = failure.status
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        body = failure.body or meta_error(
            failure.code,
            failure.message,
            error_subcode=failure.error_subcode,
            details=failure.details,
        )
        return JSONResponse(body, status_code=failure.status, headers=headers)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        """Unknown paths and methods answer in Meta's envelope, not Starlette's text."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        body = meta_error(100, f"Unknown path or method: {request.method} {request.url.path}")
        return JSONResponse(body, status_code=status)


@contextlib.asynccontextmanager
async def kapso_client(
    base_url: str, api_key: str, *, graph_version: str = "v24.0", timeout: float = 5.0
) -> AsyncIterator[WhatsAppClient]:
    """A real `kapso_whatsapp.WhatsAppClient` on the fake at `base_url`, without retries.

    `max_retries=0`: the SDK otherwise retries 429/5xx itself (sleeping `Retry-After` or
    1, 2, 4 s). Its pooled httpx client is closed on exit.
    """
    client = WhatsAppClient(
        kapso_api_key=api_key,
        base_url=base_url + PREFIX,
        graph_version=graph_version,
        max_retries=0,
        timeout=timeout,
    )
    async with client:
        yield client
