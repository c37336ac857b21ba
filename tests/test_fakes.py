"""The fake providers and webhook signers, proven against the real SDKs and PROVIDERS.md vectors."""

from __future__ import annotations

import asyncio
import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import pytest
from kapso_whatsapp.exceptions import (
    AuthenticationError,
    MessageWindowError,
    RateLimitError,
    ValidationError,
    WhatsAppAPIError,
)
from starlette.applications import Starlette
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from tests.fakes import FakeKapso, FakeTwilio, kapso_client, serve, twilio_client
from tests.fakes.webhooks import (
    inbound_sms_params,
    kapso_batch,
    kapso_message_received,
    kapso_raw,
    kapso_signature,
    kapso_status_event,
    post_kapso,
    post_twilio,
    status_callback_params,
    twilio_form,
    twilio_signature,
)

AC = "AC" + "a" * 32
TOKEN = "twilio-auth-token"
FROM = "+15557122661"
TO = "+15558675310"
PNID = "123456789012345"
KEY = "kapso-api-key"
SECRET = "wh_sec_test"


# -- a receiver standing in for the hub ----------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes


@dataclass
class Receiver:
    """A loopback app that records every POST, so tests can inspect what arrived."""

    requests: list[Received] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        self.requests.append(Received(request.url.path, dict(request.headers), raw))
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', 200)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle, methods=["POST"])])


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    recv = Receiver()
    async with serve(recv.app) as base:
        yield recv, base


@pytest.fixture
async def fake_twilio() -> AsyncIterator[tuple[FakeTwilio, str]]:
    fake = FakeTwilio()
    fake.add_account(AC, TOKEN)
    async with serve(fake.app) as base:
        yield fake, base


@pytest.fixture
async def fake_kapso() -> AsyncIterator[tuple[FakeKapso, str]]:
    fake = FakeKapso()
    fake.add_number(PNID, KEY)
    async with serve(fake.app) as base:
        yield fake, base


def form_of(raw: bytes) -> ImmutableMultiDict[str, str]:
    """How a hub should parse a Twilio webhook: every pair, blanks and repeats kept."""
    return ImmutableMultiDict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True))


# -- Twilio signatures ---------------------------------------------------------------------


def test_twilio_signature_matches_the_sdk_docs_vector() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twilio_signature("12345", url, list(params.items())) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_signature_matches_the_inbound_sms_vector() -> None:
    sid = "SM" + "1" * 32
    params = [
        ("AccountSid", "AC" + "0" * 32),
        ("ApiVersion", "2010-04-01"),
        ("Body", "Hello there"),
        ("From", "+15551230001"),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("NumSegments", "1"),
        ("SmsMessageSid", sid),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("To", "+15559870002"),
    ]
    url = "http://127.0.0.1:8000/webhooks/twilio/sms"
    assert twilio_signature("test_auth_token", url, params) == "v5CPj1ARntc5OyYRZrhP9ltpvAU="


def test_inbound_sms_params_are_the_full_realistic_set() -> None:
    params = inbound_sms_params(AC, FROM, TO, "Hi there")
    form = dict(params)
    assert len(form) == len(params)
    sid = form["MessageSid"]
    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    assert form["SmsSid"] == form["SmsMessageSid"] == sid
    assert form["NumMedia"] == "0" and form["NumSegments"] == "1"
    assert form["SmsStatus"] == "received" and form["ApiVersion"] == "2010-04-01"
    assert form["ToCity"] == "" and form["FromCountry"] == "US"

    mms = dict(
        inbound_sms_params(
            AC, FROM, TO, "look", media=[("https://x/a", "image/jpeg"), ("https://x/b", "a/b")]
        )
    )
    assert mms["MessageSid"].startswith("MM") and mms["NumMedia"] == "2"
    assert mms["MediaUrl1"] == "https://x/b" and mms["MediaContentType0"] == "image/jpeg"


def test_request_validator_accepts_twilio_signature_with_repeats_blanks_and_unicode() -> None:
    params = [*inbound_sms_params(AC, FROM, TO, "Olá + 100% ✓"), ("Tag", "b"), ("Tag", "a")]
    url = "https://hub.example.com/webhooks/twilio/sms?company=7"
    signature = twilio_signature(TOKEN, url, params)
    parsed = form_of(twilio_form(params))
    assert parsed.getlist("Tag") == ["b", "a"] and parsed["ToCity"] == ""
    validator = RequestValidator(TOKEN)
    assert validator.validate(url, parsed, signature)
    # Twilio may sign with or without the default port; the validator tries both.
    assert validator.validate(
        "https://hub.example.com:443/webhooks/twilio/sms?company=7", parsed, signature
    )
    assert not validator.validate(url, form_of(twilio_form(params[:-1])), signature)
    assert not RequestValidator("other").validate(url, parsed, signature)


async def test_post_twilio_sends_what_twilio_sends(receiver: tuple[Receiver, str]) -> None:
    recv, base = receiver
    url = f"{base}/webhooks/twilio/sms"
    public = "https://hub.example.com/webhooks/twilio/sms"
    params = inbound_sms_params(AC, FROM, TO, "hello", media=[("https://m/1", "image/png")])
    async with httpx.AsyncClient() as http:
        ok = await post_twilio(http, url, TOKEN, params)
        behind_proxy = await post_twilio(http, url, TOKEN, params, sign_url=public)
        forged = await post_twilio(http, url, TOKEN, params, signature="forged=")
    assert ok.status_code == behind_proxy.status_code == forged.status_code == 200

    first, second, third = recv.requests
    assert first.headers["content-type"] == "application/x-www-form-urlencoded"
    assert first.headers["user-agent"] == "TwilioProxy/1.1"
    assert (
        first.headers["i-twilio-idempotency-token"] != second.headers["i-twilio-idempotency-token"]
    )
    validator = RequestValidator(TOKEN)
    sig = "x-twilio-signature"
    assert validator.validate(url, form_of(first.raw), first.headers[sig])
    assert validator.validate(public, form_of(second.raw), second.headers[sig])
    assert not validator.validate(url, form_of(second.raw), second.headers[sig])
    assert third.headers[sig] == "forged="
    assert form_of(first.raw).get("MediaUrl0") == "https://m/1"


def test_status_callback_params() -> None:
    sid = "SM" + "2" * 32
    delivered = dict(status_callback_params(AC, sid, "delivered", FROM, TO))
    assert delivered["MessageStatus"] == delivered["SmsStatus"] == "delivered"
    assert delivered["MessageSid"] == delivered["SmsSid"] == sid
    assert re.fullmatch(r"\d{10}", delivered["RawDlrDoneDate"])
    assert "ErrorCode" not in delivered
    failed = dict(status_callback_params(AC, sid, "failed", FROM, TO, error_code=30003))
    assert failed["ErrorCode"] == "30003" and "RawDlrDoneDate" not in failed


# -- Twilio REST through the real SDK --------------------------------------------------------


async def test_twilio_sdk_creates_a_message(
    fake_twilio: tuple[FakeTwilio, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    fake, base = fake_twilio
    waiter = asyncio.create_task(fake.wait_for_messages(2))
    async with twilio_client(base, AC, TOKEN) as client:
        msg = await client.messages.create_async(
            to=TO, from_=FROM, body="hello", status_callback="https://hub/status"
        )
        mms = await client.messages.create_async(
            to=TO, from_=FROM, media_url=["https://m/1", "https://m/2"]
        )
    messages = await waiter

    assert re.fullmatch(r"SM[0-9a-f]{32}", msg.sid)
    assert msg.status == "queued" and msg.direction == "outbound-api"
    assert msg.num_segments == "1" and msg.num_media == "0" and msg.from_ == FROM
    assert isinstance(msg.date_created, datetime) and msg.date_sent is None
    assert msg.account_sid == AC and msg.uri.endswith(f"/Messages/{msg.sid}.json")
    assert mms.sid.startswith("MM") and mms.num_media == "2"

    first, second = messages
    assert first["sid"] == msg.sid and first["To"] == TO and first["From"] == FROM
    assert first["Body"] == "hello" and first["StatusCallback"] == "https://hub/status"
    assert first["MediaUrl"] == [] and second["MediaUrl"] == ["https://m/1", "https://m/2"]
    assert fake.request_count == 2
    assert fake.attempts[0].headers["x-twilio-client"].startswith("python-")


async def test_twilio_sdk_sees_scripted_failures_then_success(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    fake, base = fake_twilio
    fake.fail_next(429, 20429, "Too Many Requests", retry_after=2)
    fake.fail_next(500, 20500, "Internal Server Error")
    fake.fail_next(400, 21211, "Invalid 'To' Phone Number")
    async with twilio_client(base, AC, TOKEN) as client:
        errors = []
        for _ in range(3):
            with pytest.raises(TwilioRestException) as info:
                await client.messages.create_async(to=TO, from_=FROM, body="x")
            errors.append(info.value)
            if len(errors) == 1:
                # The exception has no headers; Retry-After survives only on the transport.
                raw = client.http_client._test_only_last_response
                assert raw is not None and raw.headers["Retry-After"] == "2"
        msg = await client.messages.create_async(to=TO, from_=FROM, body="x")

    rate, server, permanent = errors
    assert (rate.status, rate.code) == (429, 20429)
    assert rate.msg == "Unable to create record: Too Many Requests"
    assert rate.uri == f"/Accounts/{AC}/Messages.json" and rate.method == "POST"
    assert (server.status, server.code) == (500, 20500)
    assert (permanent.status, permanent.code) == (400, 21211)
    assert msg.status == "queued"
    assert fake.request_count == 4 and len(fake.messages) == 1
    assert [a.status for a in fake.attempts] == [429, 500, 400, 201]

    fake.fail_next(429, 20429, "Too Many Requests", retry_after=2)
    async with httpx.AsyncClient(auth=(AC, TOKEN)) as http:
        response = await http.post(f"{base}/2010-04-01/Accounts/{AC}/Messages.json", data={})
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert response.json() == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }


async def test_twilio_opt_out_validation_and_auth(fake_twilio: tuple[FakeTwilio, str]) -> None:
    fake, base = fake_twilio
    fake.opt_out(TO)
    async with twilio_client(base, AC, TOKEN) as client:
        with pytest.raises(TwilioRestException) as opted_out:
            await client.messages.create_async(to=TO, from_=FROM, body="hi")
        fake.opt_in(TO)
        await client.messages.create_async(to=TO, from_=FROM, body="hi")
        with pytest.raises(TwilioRestException) as bad_to:
            await client.messages.create_async(to="12345", from_=FROM, body="hi")
        with pytest.raises(TwilioRestException) as no_body:
            await client.messages.create_async(to=TO, from_=FROM)
        with pytest.raises(TwilioRestException) as too_long:
            await client.messages.create_async(to=TO, from_=FROM, body="x" * 1601)
    async with twilio_client(base, AC, "wrong") as client:
        with pytest.raises(TwilioRestException) as unauthorized:
            await client.messages.create_async(to=TO, from_=FROM, body="hi")

    assert (opted_out.value.status, opted_out.value.code) == (400, 21610)
    assert "unsubscribed recipient" in opted_out.value.msg
    assert (bad_to.value.status, bad_to.value.code) == (400, 21211)
    assert (no_body.value.status, no_body.value.code) == (400, 21619)
    assert (too_long.value.status, too_long.value.code) == (400, 21617)
    assert (unauthorized.value.status, unauthorized.value.code) == (401, 20003)
    assert len(fake.messages) == 1 and fake.request_count == 6


async def test_twilio_client_ignores_region_env_and_accepts_api_keys(
    fake_twilio: tuple[FakeTwilio, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = fake_twilio
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    fake.add_api_key(AC, "SK" + "b" * 32, "key-secret")
    async with twilio_client(base, "SK" + "b" * 32, "key-secret") as client:
        client.account_sid = AC
        msg = await client.messages.create_async(to=TO, from_=FROM, body="via key")
    assert msg.account_sid == AC and fake.messages[0]["Body"] == "via key"


async def test_twilio_fake_answers_unknown_paths_in_twilio_json(
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    _, base = fake_twilio
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{base}/2010-04-01/Accounts/{AC}/Calls.json")
    assert response.status_code == 404 and response.json()["code"] == 20404


async def test_twilio_status_callback_is_signed_for_the_sending_account(
    fake_twilio: tuple[FakeTwilio, str], receiver: tuple[Receiver, str]
) -> None:
    fake, base = fake_twilio
    recv, hub = receiver
    callback = f"{hub}/webhooks/twilio/status"
    async with twilio_client(base, AC, TOKEN) as client:
        msg = await client.messages.create_async(
            to=TO, from_=FROM, body="x", status_callback=callback
        )
    async with httpx.AsyncClient() as http:
        response = await fake.send_status_callback(http, msg.sid, "undelivered", 30003)
    assert response.status_code == 200
    (request,) = recv.requests
    form = form_of(request.raw)
    assert form["MessageSid"] == msg.sid and form["MessageStatus"] == "undelivered"
    assert form["ErrorCode"] == "30003"
    assert RequestValidator(TOKEN).validate(callback, form, request.headers["x-twilio-signature"])


async def test_wait_for_messages_times_out_without_sleeping() -> None:
    fake = FakeTwilio()
    with pytest.raises(TimeoutError, match="1 Twilio messages"):
        await fake.wait_for_messages(1, timeout=0.05)
    assert await fake.wait_for_messages(0) == []


# -- Kapso signatures and webhooks -----------------------------------------------------------


def test_kapso_signature_matches_the_vector() -> None:
    raw = (
        b'{"message":{"id":"wamid.TEST1","timestamp":"1730092800","type":"text",'
        b'"text":{"body":"Hello"}},"phone_number_id":"123456789012345"}'
    )
    body = {
        "message": {
            "id": "wamid.TEST1",
            "timestamp": "1730092800",
            "type": "text",
            "text": {"body": "Hello"},
        },
        "phone_number_id": "123456789012345",
    }
    expected = "90ede71ccb9e3f9938442f56f25ca0ced36c49de6030b47f80743b326709a125"
    assert kapso_signature("wh_sec_test", raw) == expected
    assert kapso_raw(body) == raw


def test_kapso_bodies_have_the_v2_shape() -> None:
    received = kapso_message_received(PNID, "15551234567", "Hello", contact_name="Jo")
    message, conversation = received["message"], received["conversation"]
    assert message["id"].startswith("wamid.") and message["from"] == "15551234567"
    assert message["text"] == {"body": "Hello"} and message["timestamp"].isdigit()
    assert message["kapso"]["direction"] == "inbound" and message["kapso"]["content"] == "Hello"
    assert conversation["phone_number"] == "+15551234567"
    assert conversation["kapso"]["contact_name"] == "Jo"
    assert received["phone_number_id"] == conversation["phone_number_id"] == PNID

    anonymous = kapso_message_received(PNID, None, "hi")
    assert "from" not in anonymous["message"]
    assert "phone_number" not in anonymous["conversation"]

    image = kapso_message_received(
        PNID,
        "1555",
        "a cat",
        type_="image",
        media={"id": "m1", "mime_type": "image/jpeg", "url": "https://cdn/cat.jpg"},
    )
    assert image["message"]["image"] == {"id": "m1", "mime_type": "image/jpeg"}
    assert image["message"]["kapso"]["media_url"] == "https://cdn/cat.jpg"
    assert image["message"]["kapso"]["has_media"] is True

    error = {"code": 131047, "title": "Re-engagement message", "message": "24 hours"}
    failed = kapso_status_event(PNID, "wamid.X", "failed", [error], to_digits="1555")
    assert failed["message"]["kapso"]["status"] == "failed"
    assert failed["message"]["kapso"]["direction"] == "outbound"
    assert failed["message"]["kapso"]["statuses"][0]["errors"] == [error]

    batch = kapso_batch([received, anonymous], "whatsapp.message.received")
    assert batch["batch"] is True and batch["type"] == "whatsapp.message.received"
    assert batch["batch_info"]["size"] == 2 and batch["data"][1] == anonymous


async def test_post_kapso_signs_the_raw_bytes(receiver: tuple[Receiver, str]) -> None:
    recv, base = receiver
    url = f"{base}/webhooks/kapso"
    event = kapso_message_received(PNID, "15551234567", "Héllo")
    batch = kapso_batch([event], "whatsapp.message.received")
    async with httpx.AsyncClient() as http:
        await post_kapso(http, url, SECRET, event, event="whatsapp.message.received")
        await post_kapso(
            http,
            url,
            SECRET,
            batch,
            event="whatsapp.message.received",
            batch=True,
            idempotency_key="idem-1",
            prefix="sha256=",
        )
        await post_kapso(http, url, SECRET, event, event="x", signature="00")

    single, batched, forged = recv.requests
    assert single.headers["x-webhook-signature"] == kapso_signature(SECRET, single.raw)
    assert single.headers["x-webhook-event"] == "whatsapp.message.received"
    assert single.headers["x-webhook-payload-version"] == "v2"
    assert single.headers["content-type"] == "application/json"
    assert "x-webhook-batch" not in single.headers and single.headers["x-idempotency-key"]
    assert batched.headers["x-webhook-signature"] == "sha256=" + kapso_signature(
        SECRET, batched.raw
    )
    assert batched.headers["x-webhook-batch"] == "true"
    assert batched.headers["x-batch-size"] == "1"
    assert batched.headers["x-idempotency-key"] == "idem-1"
    assert forged.headers["x-webhook-signature"] == "00"
    assert single.raw == kapso_raw(event)


# -- Kapso sends through the real SDK --------------------------------------------------------


async def test_kapso_sdk_sends_text(fake_kapso: tuple[FakeKapso, str]) -> None:
    fake, base = fake_kapso
    waiter = asyncio.create_task(fake.wait_for_messages(1))
    async with kapso_client(base, KEY) as client:
        sent = await client.messages.send_text(
            phone_number_id=PNID, to="+1 555-123-4567", body="Hi"
        )
    (message,) = await waiter

    assert sent.message_id is not None and sent.message_id.startswith("wamid.")
    assert sent.contacts[0].wa_id == "15551234567"
    assert message["wamid"] == sent.message_id and message["graph_version"] == "v24.0"
    assert message["to"] == "+1 555-123-4567" and message["text"]["body"] == "Hi"
    assert message["messaging_product"] == "whatsapp" and message["type"] == "text"
    assert fake.attempts[0].headers["x-api-key"] == KEY

    async with httpx.AsyncClient(headers={"X-API-Key": KEY}) as http:
        unversioned = await http.post(
            f"{base}/meta/whatsapp/{PNID}/messages",
            json={
                "messaging_product": "whatsapp",
                "to": "15550001111",
                "type": "text",
                "text": {"body": "no version"},
            },
        )
        invalid = await http.post(
            f"{base}/meta/whatsapp/v24.0/{PNID}/messages",
            json={"messaging_product": "whatsapp", "to": "15550001111", "type": "text"},
        )
    assert unversioned.status_code == 200
    assert unversioned.json()["contacts"] == [{"input": "15550001111", "wa_id": "15550001111"}]
    assert fake.messages[1]["graph_version"] is None
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == 100 and "fbtrace_id" in invalid.json()["error"]
    assert fake.request_count == 3 and len(fake.messages) == 2


async def test_kapso_sdk_maps_scripted_errors(fake_kapso: tuple[FakeKapso, str]) -> None:
    fake, base = fake_kapso
    fake.fail_next(429, 130429, "Rate limit hit", retry_after=3)
    fake.fail_next(422, 131047, "Outside the 24-hour customer service window")
    fake.fail_next(500, 1, "An unknown error occurred")
    async with kapso_client(base, KEY) as client:
        with pytest.raises(RateLimitError) as rate:
            await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="a")
        with pytest.raises(MessageWindowError) as window:
            await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="b")
        with pytest.raises(WhatsAppAPIError) as server:
            await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="c")
        fake.close_window("+15551234567")
        with pytest.raises(MessageWindowError) as closed:
            await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="d")
        fake.open_window("15551234567")
        sent = await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="e")

    assert (rate.value.status_code, rate.value.error_code, rate.value.retry_after) == (
        429,
        130429,
        3,
    )
    assert (window.value.status_code, window.value.error_code) == (422, 131047)
    assert window.value.response["error"]["type"] == "OAuthException"
    assert type(server.value) is WhatsAppAPIError and server.value.status_code == 500
    assert server.value.is_retryable
    assert closed.value.status_code == 422 and closed.value.error_code == 131047
    assert sent.message_id and fake.request_count == 5 and len(fake.messages) == 1


async def test_kapso_auth_and_unknown_number(fake_kapso: tuple[FakeKapso, str]) -> None:
    fake, base = fake_kapso
    async with kapso_client(base, "wrong-key") as client:
        with pytest.raises(AuthenticationError) as unauthorized:
            await client.messages.send_text(phone_number_id=PNID, to="15551234567", body="a")
    async with kapso_client(base, KEY) as client:
        with pytest.raises(ValidationError) as unknown:
            await client.messages.send_text(phone_number_id="999", to="15551234567", body="a")
    assert unauthorized.value.status_code == 401 and unauthorized.value.error_code == 190
    assert unknown.value.status_code == 400 and unknown.value.error_subcode == 33
    assert fake.messages == [] and fake.request_count == 2
