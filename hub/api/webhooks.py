"""Provider webhooks: verify, route by the company's number, store exactly once.

A bad or missing signature is 403 and an unknown number 404, both before anything is
stored. The signed URL is rebuilt from PUBLIC_URL, so it holds behind a proxy.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.api.bodies import parse_json
from hub.api.describe import undocumented
from hub.api.errors import ApiError
from hub.api.requests import has_nul
from hub.channels import kapso_whatsapp as kapso
from hub.channels import twilio_sms as twilio
from hub.channels.base import Inbound, StatusUpdate
from hub.channels.phones import BadPhone, e164
from hub.state import hub_of

log = logging.getLogger("hub.webhooks")
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
MAX_MEDIA = 10  # Twilio's limit of media on one message


# Widths of the columns these values are stored in (hub/persistence/models.py).
WIDTHS = {"provider_id": 128, "type": 16, "external_conversation_id": 128, "error_code": 32}


def storable(item: Inbound | StatusUpdate) -> None:
    """ValueError unless the hub can store `item` as it is: strings where strings go, each
    within its column, and no NUL character anywhere (PostgreSQL cannot store one in text or
    JSON; refused on every database alike)."""
    values = dataclasses.asdict(item)
    for name, value in values.items():
        if name == "attachments" or value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{name} is not a string")
        if len(value) > WIDTHS.get(name, len(value)):
            raise ValueError(f"{name} is longer than {WIDTHS[name]} characters")
    if has_nul(values):
        raise ValueError("a value holds a NUL character")


def signed_url(request: Request) -> str:
    query = request.url.query
    public_url: str = hub_of(request).settings.public_url
    return public_url + request.url.path + (f"?{query}" if query else "")


async def _twilio_account(request: Request, number_field: str) -> tuple[Any, twilio.Params]:
    try:
        params = twilio.parse_form(await request.body())
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", "the body is not UTF-8 form data") from None
    hub = hub_of(request)
    try:
        number = e164(params.get(number_field, ""))
    except BadPhone:
        raise ApiError(400, "bad_request", f"missing or bad {number_field}") from None
    account = await hub.integrations.by_address("twilio", number)
    if account is None:
        log.warning("twilio webhook for unknown number %s", number)
        raise ApiError(404, "not_found", "no company owns this number")
    signature = request.headers.get("x-twilio-signature")
    if not twilio.signature_ok(account.creds["auth_token"], signed_url(request), params, signature):
        raise ApiError(403, "bad_signature", "X-Twilio-Signature does not match")
    return account, params


@undocumented("a provider webhook: docs/protocol.md")
async def twilio_sms(request: Request) -> Response:
    account, params = await _twilio_account(request, "To")
    try:
        if not 0 <= int(params.get("NumMedia") or 0) <= MAX_MEDIA:
            raise ValueError(f"NumMedia must be 0 to {MAX_MEDIA}")
        message = twilio.inbound(params)
        storable(message)
    except (KeyError, ValueError, BadPhone) as exc:
        raise ApiError(400, "bad_request", f"unusable message: {exc}") from None
    await hub_of(request).inbound.receive(account.company_id, message)
    return Response(TWIML_EMPTY, media_type="text/xml")


@undocumented("a provider webhook: docs/protocol.md")
async def twilio_status(request: Request) -> Response:
    # Outbound: our number is the From of the message being reported on.
    account, params = await _twilio_account(request, "From")
    try:
        report = twilio.status(params)
        if report is not None:
            storable(report)
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"unusable report: {exc}") from None
    if report is not None:
        await hub_of(request).inbound.status(account.company_id, report)
    return Response(TWIML_EMPTY, media_type="text/xml")


@undocumented("a provider webhook: docs/protocol.md")
async def kapso_webhook(request: Request) -> Response:
    raw = await request.body()
    try:
        events = kapso.events(parse_json(raw), request.headers.get("x-webhook-batch"))
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
    try:
        addresses = {kapso.phone_number_id(event) for event in events}
    except (AttributeError, TypeError):  # `conversation` is not an object
        addresses = {None}
    if len(addresses) != 1 or None in addresses:
        raise ApiError(400, "bad_request", "every event needs the same phone_number_id")
    address = str(addresses.pop())
    hub = hub_of(request)
    account = await hub.integrations.by_address("kapso", address)
    if account is None:
        log.warning("kapso webhook for unknown phone_number_id %s", address)
        raise ApiError(404, "not_found", "no company owns this phone_number_id")
    signature = request.headers.get("x-webhook-signature")
    if not kapso.signature_ok(account.creds["webhook_secret"], raw, signature):
        raise ApiError(403, "bad_signature", "X-Webhook-Signature does not match")
    event_type = request.headers.get("x-webhook-event") or ""
    for event in events:
        await _kapso_event(request, account.company_id, address, event, event_type)
    return Response(status_code=200)


async def _kapso_event(
    request: Request, company_id: str, address: str, event: dict[str, Any], header_type: str
) -> None:
    kind = str(event.get("type") or header_type)
    try:
        if kind == kapso.RECEIVED:
            item: Inbound | StatusUpdate = kapso.inbound(event, address)
        elif kind in kapso.STATUS_EVENTS:
            item = kapso.status(kind, event, address)
        else:
            log.info("kapso event %s ignored", kind)
            return
        storable(item)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError, BadPhone) as exc:
        # Any JSON may arrive here: a member of the wrong type is as unusable as a missing one.
        log.warning("unusable kapso %s event: %r", kind, exc)
        return
    inbound = hub_of(request).inbound
    if isinstance(item, Inbound):
        await inbound.receive(company_id, item)
    else:
        await inbound.status(company_id, item)
