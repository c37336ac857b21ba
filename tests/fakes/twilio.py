"""Fake Twilio Messages and Verify APIs that the real `twilio` SDK talks to over HTTP
(PROVIDERS.md 2).

    fake = FakeTwilio()
    fake.add_account("AC...", "token")
    async with serve(fake.app) as base, twilio_client(base, "AC...", "token") as client:
        msg = await client.messages.create_async(to=..., from_=..., body=...)
        await fake.wait_for_messages(1)

Order of checks on a create: count the attempt, Basic auth (401/20003), scripted failure
(`fail_next`), field validation (21604/21211/21603/21212/21619/21617), opt-out (21610),
then record and answer 201.

`FakeVerify` is Twilio Verify v2 (PROVIDERS.md 2.2) on its own app, since the hub has its own
`TWILIO_VERIFY_URL`; `codes` holds the code it "texted" to each number.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import secrets
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator, Callable
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


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in Twilio's JSON, not Starlette's text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = 20404 if status == 404 else 20001
    message = (
        f"The requested resource {request.url.path} was not found"
        if status == 404
        else f"Method {request.method} not allowed"
    )
    return JSONResponse(twilio_error(status, code, message), status_code=status)


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
            exception_handlers={HTTPException: _http_error},
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


VERIFICATIONS_PATH = "/v2/Services/{service_sid}/Verifications"
CHECK_PATH = "/v2/Services/{service_sid}/VerificationCheck"
VERIFY_CHANNELS = {"sms", "call", "email", "whatsapp", "sna"}
MAX_SENDS = 5  # sends per verification; the next one answers 429/60203
MAX_CHECKS = 5  # wrong codes per verification; the next check answers 429/60202


def iso_z(moment: datetime) -> str:
    """A date as Verify writes it: `2026-01-01T00:00:00Z` (the SDK parses exactly this)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Verification:
    """One verification of a number on a service, as the fake keeps it."""

    sid: str
    service_sid: str
    account_sid: str
    to: str
    channel: str
    code: str
    created: datetime
    status: str = "pending"
    sends: list[tuple[str, datetime]] = field(default_factory=list)  # (attempt SID, when)
    wrong_checks: int = 0

    def view(self) -> dict[str, Any]:
        """The fields both the start and the check answers carry (PROVIDERS.md 2.2)."""
        return {
            "sid": self.sid,
            "service_sid": self.service_sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "channel": self.channel,
            "status": self.status,
            "valid": self.status == "approved",
            "amount": None,
            "payee": None,
            "date_created": iso_z(self.created),
            "date_updated": iso_z(self.sends[-1][1] if self.sends else self.created),
        }


class FakeVerify(Recorder):
    """Twilio Verify v2: start (`Verifications`) and check (`VerificationCheck`) on services.

    Behaviour (PROVIDERS.md 2.2): a wrong code answers 200 `pending`, `valid: false`; after
    5 wrong codes the next check answers 429/60202; a 6th send to a number with an open
    verification answers 429/60203 (sends re-text the same code); a check with no pending
    verification (never started, approved, `expire`d) answers 404/20404; an invalid `To` or
    `Channel` answers 400/60200; bad Basic auth 401/20003; another account's service 404.

    State tests read: `codes` (number -> the last code texted to it), `sent` (each accepted
    start: its form fields plus `service_sid`, `sid`, `code`, `headers`), `starts` and
    `checks` (every request with the status answered).
    """

    def __init__(self) -> None:
        super().__init__()
        self._tokens: dict[str, str] = {}  # account SID -> auth token
        self._services: dict[str, str] = {}  # service SID -> account SID
        self._open: dict[tuple[str, str], Verification] = {}  # (service, To) -> pending
        self._failures: deque[Failure] = deque()
        self.codes: dict[str, str] = {}
        self.sent: list[dict[str, Any]] = []
        self.starts: list[Attempt] = []
        self.checks: list[Attempt] = []
        self.app = Starlette(
            routes=[
                Route(VERIFICATIONS_PATH, self._start, methods=["POST"]),
                Route(CHECK_PATH, self._check, methods=["POST"]),
            ],
            exception_handlers={HTTPException: _http_error},
        )

    # -- configuration -----------------------------------------------------------------------

    def add_service(self, account_sid: str, auth_token: str, service_sid: str) -> None:
        """A Verify service (`VA…`) of an account whose Basic auth is `account_sid:auth_token`."""
        self._tokens[account_sid] = auth_token
        self._services[service_sid] = account_sid

    def fail_next(self, status: int, code: int, message: str, times: int = 1) -> None:
        """Answer the next `times` authenticated requests (start or check) with this error."""
        for _ in range(times):
            self._failures.append(Failure(status, code, message))

    def expire(self, to: str) -> None:
        """The open verifications of `to` outlive their 10 minutes (checks now answer 404)."""
        for key in [key for key in self._open if key[1] == to]:
            self._open.pop(key).status = "expired"

    # -- HTTP --------------------------------------------------------------------------------

    async def _start(self, request: Request) -> Response:
        return await self._handle(request, self.starts, self._answer_start)

    async def _check(self, request: Request) -> Response:
        return await self._handle(request, self.checks, self._answer_check)

    async def _handle(
        self,
        request: Request,
        log: list[Attempt],
        answer: Callable[[Request, str, dict[str, str]], Failure | Response],
    ) -> Response:
        """Record the request, check auth, the service and scripted failures, then answer."""
        raw = (await request.body()).decode("utf-8")
        pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
        service_sid = request.path_params["service_sid"]
        attempt = Attempt(
            self._services.get(service_sid, ""), pairs, 0, headers=dict(request.headers)
        )
        log.append(attempt)
        try:
            outcome = self._refusal(request, service_sid) or answer(
                request, service_sid, dict(pairs)
            )
            if isinstance(outcome, Failure):
                attempt.status, attempt.code = outcome.status, outcome.code
                body = twilio_error(outcome.status, outcome.code, outcome.message)
                return JSONResponse(body, status_code=outcome.status)
            attempt.status = outcome.status_code
            return outcome
        finally:
            await self._notify()

    def _refusal(self, request: Request, service_sid: str) -> Failure | None:
        """Bad credentials (401), a service not theirs (404), or a scripted failure."""
        creds = _basic_auth(request.headers.get("authorization"))
        if creds is None or self._tokens.get(creds[0]) != creds[1]:
            return Failure(401, 20003, "Authenticate")
        if self._services.get(service_sid) != creds[0]:
            return Failure(404, 20404, f"The requested resource {request.url.path} was not found")
        return self._failures.popleft() if self._failures else None

    def _answer_start(
        self, request: Request, service_sid: str, form: dict[str, str]
    ) -> Failure | Response:
        to, channel = form.get("To", ""), form.get("Channel", "")
        if not PHONE.match(to) or to.startswith("whatsapp:"):
            return Failure(400, 60200, "Invalid parameter `To`: " + to)
        if channel not in VERIFY_CHANNELS:
            return Failure(400, 60200, "Invalid parameter: Channel")
        verification = self._open.get((service_sid, to))
        if verification is not None and len(verification.sends) >= MAX_SENDS:
            return Failure(429, 60203, "Max send attempts reached")
        if verification is None:
            verification = self._new(service_sid, to, channel)
        verification.sends.append((twilio_sid("VL"), datetime.now(UTC)))
        self.codes[to] = verification.code
        self.sent.append(
            {**form, "service_sid": service_sid, "sid": verification.sid, "code": verification.code}
        )
        body = verification.view() | {
            "lookup": {},
            "send_code_attempts": [
                {"attempt_sid": sid, "channel": channel, "time": iso_z(when)[:-1] + ".000Z"}
                for sid, when in verification.sends
            ],
            "sna": None,
            "url": f"{request.base_url}v2/Services/{service_sid}/Verifications/{verification.sid}",
        }
        return JSONResponse(body, status_code=201)

    def _new(self, service_sid: str, to: str, channel: str) -> Verification:
        account_sid = self._services[service_sid]
        code = f"{secrets.randbelow(10**6):06d}"
        verification = Verification(
            twilio_sid("VE"), service_sid, account_sid, to, channel, code, datetime.now(UTC)
        )
        self._open[(service_sid, to)] = verification
        return verification

    def _answer_check(
        self, request: Request, service_sid: str, form: dict[str, str]
    ) -> Failure | Response:
        if not form.get("Code"):
            return Failure(400, 60200, "Invalid parameter: Code")
        verification = self._find(service_sid, form)
        if verification is None:
            path = f"/Services/{service_sid}/VerificationCheck"
            return Failure(404, 20404, f"The requested resource {path} was not found")
        if verification.wrong_checks >= MAX_CHECKS:
            return Failure(429, 60202, "Max check attempts reached")
        if form["Code"] == verification.code:
            verification.status = "approved"
            del self._open[(service_sid, verification.to)]  # an approved one is gone
        else:
            verification.wrong_checks += 1
        body = verification.view() | {"sna_attempts_error_codes": []}
        return JSONResponse(body, status_code=200)

    def _find(self, service_sid: str, form: dict[str, str]) -> Verification | None:
        """The pending verification named by `VerificationSid`, else by `To`."""
        if form.get("VerificationSid"):
            for (service, _), verification in self._open.items():
                if service == service_sid and verification.sid == form["VerificationSid"]:
                    return verification
            return None
        return self._open.get((service_sid, form.get("To", "")))


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
