"""Twilio SMS: webhook signature and parsing, and sends through the SDK's async client."""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from starlette.datastructures import ImmutableMultiDict
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from hub.channels.base import Inbound, SendFailed, StatusUpdate
from hub.channels.phones import e164

Params = ImmutableMultiDict[str, str]

# What the SDK's aiohttp transport raises when Twilio cannot be reached or does not answer.
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)
REQUEST_TIMEOUT = 10.0  # seconds for one Twilio call; the SDK's default is to wait forever

# Twilio MessageStatus onto ours (PROVIDERS.md 1.5).
STATUSES = {
    "queued": "queued",
    "accepted": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


def parse_form(body: bytes) -> Params:
    """Every parameter, blanks and repeats included: the signature covers them all."""
    pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    return ImmutableMultiDict(pairs)


def signature_ok(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def inbound(params: Params) -> Inbound:
    media = [
        {"url": params[f"MediaUrl{i}"], "content_type": params.get(f"MediaContentType{i}")}
        for i in range(int(params.get("NumMedia") or 0))
        if f"MediaUrl{i}" in params
    ]
    kind = "text" if not media else str(media[0]["content_type"] or "file").split("/")[0]
    return Inbound(
        channel="sms",
        address=e164(params["To"]),
        sender=e164(params["From"]),
        provider_id=params["MessageSid"],
        text=params.get("Body", ""),
        type=kind,
        attachments=media,
    )


def status(params: Params) -> StatusUpdate | None:
    ours = STATUSES.get(params.get("MessageStatus") or params.get("SmsStatus") or "")
    if ours is None or not params.get("MessageSid"):
        return None
    code = params.get("ErrorCode") or None
    return StatusUpdate("sms", e164(params["From"]), params["MessageSid"], ours, code, None)


class TwilioSender:
    """Sends SMS with `twilio`'s async client against `api_url` (a fake in tests)."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    async def send(
        self, creds: dict[str, Any], to: str, text: str, status_callback: str | None
    ) -> str:
        try:
            async with twilio_client(
                creds["account_sid"], creds["auth_token"], api_url=self.api_url
            ) as client:
                message = await client.messages.create_async(
                    to=to, from_=creds["phone_number"], body=text, status_callback=status_callback
                )
            return str(message.sid)
        except TwilioRestException as exc:
            transient = exc.status == 429 or exc.status >= 500
            raise SendFailed(transient, str(exc.code or exc.status), str(exc.msg)) from None
        except TRANSPORT_ERRORS as exc:
            raise SendFailed(True, "network", f"Twilio unreachable: {exc!r}") from None


@contextlib.asynccontextmanager
async def twilio_client(
    account_sid: str,
    auth_token: str,
    *,
    api_url: str | None = None,
    verify_url: str | None = None,
) -> AsyncIterator[Any]:
    """A `twilio` Client on the SDK's async (aiohttp) transport, its REST and Verify hosts
    aimed at `api_url` / `verify_url` when given (fakes in tests); closed on exit.

    Enter it inside the running loop: aiohttp's session needs one.
    """
    http = AsyncTwilioHttpClient(timeout=REQUEST_TIMEOUT)
    try:
        client = Client(account_sid, auth_token, http_client=http)
        # TWILIO_REGION / TWILIO_EDGE in the environment would rewrite the hosts below.
        client.region = client.edge = None
        if api_url:
            client.api.base_url = api_url
        if verify_url:
            client.verify.base_url = verify_url
        yield client
    finally:
        await http.close()
