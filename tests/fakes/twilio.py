"""A fake Twilio Messages API that the real `twilio` SDK talks to over HTTP (PROVIDERS.md 2).

    fake = FakeTwilio()
    fake.add_account("AC...", "token")
    async with serve(fake.app) as base, twilio_client(base, "AC...", "token") as client:
        msg = await client.messages.create_async(to=..., from_=..., body=...)
        await fake.wait_for_messages(1)

Order of checks on a create: count the attempt, Basic auth (401/20003), scripted failure
(`fail_next`), field validation (21604/21211/21603/21212/21619/21617), opt-out (21610),
then record and answer 201.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from tests.fakes.serve import Recorder
from tests.fakes.webhooks import (
    TWILIO_API_VERSION,
    post_twilio,
    sms_segments,
    status_callback_params,
    twilio_sid,
)

MESSAGES_PATH = "/2010-04-01/Accounts/{account_sid}/Messages.json"
PHONE = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")
MAX_BODY = 1600


@dataclass
class Failure:
    """One scripted error answer."""

    status: int
    code: int
    message: str
    retry_after: float | None = None
    body: dict[str, Any] | None = None


@dataclass
class Attempt:
    """One create request as the fake saw it, and the HTTP status it answered."""

    account_sid: str
    form: list[tuple[str, str]]
    status: int
    code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def twilio_error(status: int, code: int, message: str, **extra: Any) -> dict[str, Any]:
    """Twilio's legacy error body `{"code", "message", "more_info", "status"}`."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
        **extra,
    }


def rfc2822(moment: datetime) -> str:
    """A date as Twilio's 2010 API writes it: `Thu, 24 Aug 2023 05:01:45 +0000`."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an `Authorization: Basic ...` header, or None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _record(account_sid: str, form: list[tuple[str, str]], sid: str) -> dict[str, Any]:
    """What `FakeTwilio.messages` holds: form fields (str; `MediaUrl` and any other
    repeated name as a list), plus `sid`, `account_sid`, `status`."""
    record: dict[str, Any] = {"MediaUrl": []}
    for name, value in form:
        if name == "MediaUrl":
            record["MediaUrl"].append(value)
        elif name in record:
            previous = record[name]
            record[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            record[name] = value
    status = "accepted" if record.get("MessagingServiceSid") else "queued"
    record.update(sid=sid, account_sid=account_sid, status=status)
    return record


def _message_json(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The 201 body of a create, shaped like Twilio's (PROVIDERS.md 2.1)."""
    account_sid, sid = record["account_sid"], record["sid"]
    base = f"/{TWILIO_API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    body = record.get("Body", "")
    return {
        "account_sid": account_sid,
        "api_version": TWILIO_API_VERSION,
        "body": body,
        "date_created": rfc2822(now),
        "date_sent": None,
        "date_updated": rfc2822(now),
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": record.get("From"),
        "messaging_service_sid": record.get("MessagingServiceSid"),
        "num_media": str(len(record["MediaUrl"])),
        "num_segments": str(sms_segments(body) if body else 1),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": record["status"],
        "subresource_uris": {"media": f"{base}/Media.json"},
        "to": record["To"],
        "uri": f"{base}.json",
    }


class FakeTwilio(Recorder):
    """Twilio's `Messages.json` create endpoint, with scriptable failures and opt-outs.

    State tests read: `messages` (accepted sends, see `_record`), `attempts` (every create
    request with the status answered), `request_count`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._credentials: dict[str, tuple[str, str]] = {}  # username -> (password, AC)
        self._failures: deque[Failure] = deque()
        self._opted_out: set[tuple[str | None, str]] = set()
        self.messages: list[dict[str, Any]] = []
        self.attempts: list[Attempt] = []
        self.app = Starlette(
            routes=[Route(MESSAGES_PATH, self._create, methods=["POST"])],
            exception_handlers={HTTPException: self._http_error},
        )

    # -- configuration -----------------------------------------------------------------------

    def add_account(self, account_sid: str, auth_token: str) -> None:
        """Accept Basic auth `account_sid:auth_token` for that account's resources."""
        self._credentials[account_sid] = (auth_token, account_sid)

    def add_api_key(self, account_sid: str, key_sid: str, secret: str) -> None:
        """Accept Basic auth `key_sid:secret` (an API key) for `account_sid`'s resources."""
        self._credentials[key_sid] = (secret, account_sid)

    def fail_next(
        self,
        status: int,
        code: int,
        message: str,
        times: int = 1,
        retry_after: float | None = None,
        *,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next `times` authenticated creates with this error (queued in order).

        `retry_after` adds a `Retry-After` header; `body` replaces the legacy JSON error.
        """
        for _ in range(times):
            self._failures.append(Failure(status, code, message, retry_after, body))

    def opt_out(self, to: str, from_: str | None = None) -> None:
        """Make sends to `to` fail with 21610 (from `from_`/a service SID, or from anyone)."""
        self._opted_out.add((from_, to))

    def opt_in(self, to: str, from_: str | None = None) -> None:
        """Undo `opt_out(to, from_)` (as a START from the user would)."""
        self._opted_out.discard((from_, to))

    # -- observation -------------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Every create request received, failed ones included."""
        return len(self.attempts)

    async def wait_for_messages(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least `n` messages were accepted; return all accepted so far."""
        await self.wait_until(lambda: len(self.messages) >= n, timeout, f"{n} Twilio messages")
        return list(self.messages)

    async def wait_for_attempts(self, n: int, timeout: float = 5.0) -> list[Attempt]:
        """Wait until at least `n` create requests arrived (accepted or not)."""
        await self.wait_until(lambda: len(self.attempts) >= n, timeout, f"{n} Twilio requests")
        return list(self.attempts)

    def message(self, sid: str) -> dict[str, Any]:
        """The accepted message with this SID."""
        for record in self.messages:
            if record["sid"] == sid:
                return record
        raise KeyError(sid)

    async def send_status_callback(
        self,
        http: httpx.AsyncClient,
        sid: str,
        status: str,
        error_code: int | None = None,
        *,
        url: str | None = None,
    ) -> httpx.Response:
        """POST a signed status callback for message `sid` to its `StatusCallback` (or `url`),
        signed with the sending account's auth token, as Twilio would."""
        record = self.message(sid)
        target = url or record.get("StatusCallback")
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback")
        account_sid = record["account_sid"]
        token = self._credentials[account_sid][0]
        sender = record.get("From") or record.get("MessagingServiceSid", "")
        params = status_callback_params(
            account_sid,
            sid,
            status,
            sender,
            record["To"],
            error_code,
            messaging_service_sid=record.get("MessagingServiceSid"),
        )
        return await post_twilio(http, target, token, params)

    # -- HTTP --------------------------------------------------------------------------------

    def _authenticated(self, request: Request, account_sid: str) -> bool:
        creds = _basic_auth(request.headers.get("authorization"))
        if creds is None or creds[0] not in self._credentials:
            return False
        password, owner = self._credentials[creds[0]]
        return password == creds[1] and owner == account_sid

    def _validate(self, form: dict[str, list[str]], sender: str | None) -> Failure | None:
        """Twilio's synchronous checks on a create's fields, or None if it is acceptable."""
        to = (form.get("To") or [""])[0]
        body = (form.get("Body") or [""])[0]
        if not to:
            return Failure(400, 21604, "A 'To' phone number is required.")
        if not PHONE.match(to):
            return Failure(400, 21211, f"Invalid 'To' Phone Number: {to}")
        if not sender:
            return Failure(400, 21603, "A 'From' phone number is required.")
        if not sender.startswith("MG") and not PHONE.match(sender):
            return Failure(400, 21212, f"Invalid From Number (caller ID): {sender}")
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            return Failure(400, 21619, "A text message body or media urls must be specified.")
        if len(body) > MAX_BODY:
            return Failure(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        return None

    def _blocked(self, sender: str, to: str) -> bool:
        return (None, to) in self._opted_out or (sender, to) in self._opted_out

    async def _create(self, request: Request) -> Response:
        account_sid = request.path_params["account_sid"]
        raw = (await request.body()).decode("utf-8")
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
        attempt = Attempt(account_sid, pairs, 0, headers=dict(request.headers))
        self.attempts.append(attempt)
        try:
            return self._answer(request, account_sid, pairs, attempt)
        finally:
            await self._notify()

    def _answer(
        self, request: Request, account_sid: str, pairs: list[tuple[str, str]], attempt: Attempt
    ) -> Response:
        if not self._authenticated(request, account_sid):
            return self._error(
                attempt,
                Failure(401, 20003, "Authenticate"),
                headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
                detail="Your AccountSid or AuthToken was incorrect.",
            )
        if self._failures:
            return self._error(attempt, self._failures.popleft())
        form: dict[str, list[str]] = {}
        for name, value in pairs:
            form.setdefault(name, []).append(value)
        sender = (form.get("MessagingServiceSid") or form.get("From") or [""])[0]
        failure = self._validate(form, sender)
        if failure is None and self._blocked(sender, form["To"][0]):
            failure = Failure(400, 21610, "Attempt to send to unsubscribed recipient")
        if failure is not None:
            return self._error(attempt, failure)
        prefix = "MM" if form.get("MediaUrl") else "SM"
        record = _record(account_sid, pairs, twilio_sid(prefix))
        self.messages.append(record)
        attempt.status = 201
        return JSONResponse(_message_json(record, datetime.now(UTC)), status_code=201)

    def _error(
        self,
        attempt: Attempt,
        failure: Failure,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        attempt.status, attempt.code = failure.status, failure.code
        headers = dict(headers or {})
        if failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        body = failure.body or twilio_error(failure.status, failure.code, failure.message, **extra)
        return JSONResponse(body, status_code=failure.status, headers=headers)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        """Unknown paths and methods answer in Twilio's JSON, not Starlette's text."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = 20404 if status == 404 else 20001
        message = (
            f"The requested resource {request.url.path} was not found"
            if status == 404
            else f"Method {request.method} not allowed"
        )
        return JSONResponse(twilio_error(status, code, message), status_code=status)


@contextlib.asynccontextmanager
async def twilio_client(
    base_url: str, account_sid: str, auth_token: str, *, timeout: float = 5.0
) -> AsyncIterator[Client]:
    """A real `twilio.rest.Client` on the SDK's async (aiohttp) transport, aimed at `base_url`.

    Must be entered inside the running loop (aiohttp's session needs it). Region/edge are
    forced off: with `TWILIO_REGION`/`TWILIO_EDGE` set the SDK rewrites `127.0.0.1` into
    `127.us1.0.1`. The aiohttp session is closed on exit.
    """
    http = AsyncTwilioHttpClient(timeout=timeout)
    try:
        client = Client(account_sid, auth_token, http_client=http)
        client.region = None
        client.edge = None
        client.api.base_url = base_url
        client.verify.base_url = base_url
        yield client
    finally:
        await http.close()
