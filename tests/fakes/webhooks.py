"""Webhook requests signed exactly as Twilio and Kapso sign them (PROVIDERS.md 1.1-1.5, 3.2).

Twilio: form-encoded params, `X-Twilio-Signature` = base64 HMAC-SHA1 over the URL followed by
the sorted params (computed by the real SDK's `RequestValidator`). Kapso: raw JSON bytes,
`X-Webhook-Signature` = lowercase hex HMAC-SHA256 of exactly those bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

Pairs = Sequence[tuple[str, str]]
TwilioParams = Pairs | Mapping[str, str]

TWILIO_API_VERSION = "2010-04-01"
TWILIO_USER_AGENT = "TwilioProxy/1.1"

# --------------------------------------------------------------------------------------------
# Twilio
# --------------------------------------------------------------------------------------------


def twilio_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two-letter prefix (`SM`, `MM`, `AC`, `MG`...) and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def _pairs(params: TwilioParams) -> list[tuple[str, str]]:
    """Params as an ordered list of (name, value) pairs, repeats preserved."""
    if isinstance(params, Mapping):
        return [(str(k), str(v)) for k, v in params.items()]
    return [(str(k), str(v)) for k, v in params]


def twilio_form(params: TwilioParams) -> bytes:
    """URL-encode params like Twilio does (`+` for spaces, UTF-8 %XX, blanks and repeats kept)."""
    return urllib.parse.urlencode(_pairs(params)).encode("ascii")


def twilio_signature(auth_token: str, url: str, params: TwilioParams) -> str:
    """The `X-Twilio-Signature` Twilio would send for `params` POSTed to `url`.

    Uses the SDK's own `RequestValidator.compute_signature`; params go in as a multi-dict
    (its `getlist` is what the validator looks for), so repeated names are all signed.
    """
    multi = ImmutableMultiDict(_pairs(params))
    return str(RequestValidator(auth_token).compute_signature(url, multi))


def sms_segments(body: str) -> int:
    """Approximate segment count: GSM-7 (ASCII here) 160/153 chars, otherwise UCS-2 70/67."""
    single, multi = (160, 153) if body.isascii() else (70, 67)
    if len(body) <= single:
        return 1
    return -(-len(body) // multi)


def _country(number: str) -> str:
    """The geo `*Country` Twilio fills for a number (only NANP is worth guessing here)."""
    return "US" if number.removeprefix("whatsapp:").startswith("+1") else ""


def inbound_sms_params(
    account_sid: str,
    from_: str,
    to: str,
    body: str,
    message_sid: str | None = None,
    num_media: int = 0,
    media: Sequence[tuple[str, str]] | None = None,
    *,
    messaging_service_sid: str | None = None,
    opt_out_type: str | None = None,
    extra: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """The full parameter set of an inbound SMS/MMS webhook (PROVIDERS.md 1.1).

    `media` is a list of `(url, content_type)`; when given, `NumMedia` is its length and
    the SID prefix is `MM`. `extra` pairs are appended (Twilio adds params without notice).
    """
    media = list(media or [])
    count = len(media) if media else num_media
    sid = message_sid or twilio_sid("MM" if count else "SM")
    params: list[tuple[str, str]] = [
        ("ToCountry", _country(to)),
        ("ToState", ""),
        ("SmsMessageSid", sid),
        ("NumMedia", str(count)),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", sid),
        ("FromState", ""),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", body),
        ("FromCountry", _country(from_)),
        ("To", to),
        ("ToZip", ""),
        ("NumSegments", str(sms_segments(body))),
        ("MessageSid", sid),
        ("AccountSid", account_sid),
        ("From", from_),
        ("ApiVersion", TWILIO_API_VERSION),
    ]
    for index, (url, content_type) in enumerate(media):
        params += [(f"MediaContentType{index}", content_type), (f"MediaUrl{index}", url)]
    if messaging_service_sid:
        params.append(("MessagingServiceSid", messaging_service_sid))
    if opt_out_type:
        params.append(("OptOutType", opt_out_type))
    params.extend(extra)
    return params


def status_callback_params(
    account_sid: str,
    message_sid: str,
    status: str,
    from_: str,
    to: str,
    error_code: int | str | None = None,
    *,
    messaging_service_sid: str | None = None,
) -> list[tuple[str, str]]:
    """The params of a message status callback (PROVIDERS.md 1.5).

    `RawDlrDoneDate` (YYMMDDhhmm, UTC) is added for `delivered`/`undelivered`, `ErrorCode`
    only when given.
    """
    params: list[tuple[str, str]] = [
        ("SmsSid", message_sid),
        ("SmsStatus", status),
        ("MessageStatus", status),
        ("To", to),
        ("MessageSid", message_sid),
        ("AccountSid", account_sid),
        ("From", from_),
        ("ApiVersion", TWILIO_API_VERSION),
    ]
    if messaging_service_sid:
        params.append(("MessagingServiceSid", messaging_service_sid))
    if error_code is not None:
        params.append(("ErrorCode", str(error_code)))
    if status in ("delivered", "undelivered"):
        params.append(("RawDlrDoneDate", datetime.now(UTC).strftime("%y%m%d%H%M")))
    return params


async def post_twilio(
    http: httpx.AsyncClient,
    url: str,
    auth_token: str,
    params: TwilioParams,
    *,
    sign_url: str | None = None,
    signature: str | None = None,
    idempotency_token: str | None = None,
) -> httpx.Response:
    """POST a Twilio webhook to `url` with the headers Twilio sends.

    The signature covers `sign_url or url` (the public URL the hub is configured with may
    differ from the loopback URL actually hit); `signature` overrides it (e.g. a forged one).
    Pass the same `idempotency_token` to imitate a retry of one event.
    """
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": (
            signature
            if signature is not None
            else twilio_signature(auth_token, sign_url or url, params)
        ),
        "I-Twilio-Idempotency-Token": idempotency_token or str(uuid.uuid4()),
        "User-Agent": TWILIO_USER_AGENT,
    }
    return await http.post(url, content=twilio_form(params), headers=headers)


# --------------------------------------------------------------------------------------------
# Kapso
# --------------------------------------------------------------------------------------------


def kapso_raw(body: Mapping[str, Any]) -> bytes:
    """Serialise a webhook body the way the sender puts it on the wire (compact JSON)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def kapso_signature(secret: str, raw: bytes) -> str:
    """Kapso's `X-Webhook-Signature`: lowercase hex HMAC-SHA256(secret, raw body bytes)."""
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def new_wamid() -> str:
    """A WhatsApp-message-id-shaped string (`wamid.` + opaque base64-ish)."""
    return "wamid.HBg" + uuid.uuid4().hex.upper()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _conversation(
    phone_number_id: str,
    customer_digits: str | None,
    conversation_id: str | None,
    contact_name: str | None,
    last_message: Mapping[str, Any],
    inbound: bool,
) -> dict[str, Any]:
    """The v2 `conversation` object that accompanies message events."""
    now = _iso(datetime.now(UTC))
    text = (last_message.get("kapso") or {}).get("content")
    conversation: dict[str, Any] = {
        "id": conversation_id or str(uuid.uuid4()),
        "phone_number": f"+{customer_digits}" if customer_digits else None,
        "status": "active",
        "last_active_at": now,
        "created_at": now,
        "updated_at": now,
        "metadata": {},
        "phone_number_id": phone_number_id,
        "kapso": {
            "contact_name": contact_name,
            "messages_count": 1,
            "last_message_id": last_message["id"],
            "last_message_type": last_message["type"],
            "last_message_timestamp": now,
            "last_message_text": text,
            "last_inbound_at": now if inbound else None,
            "last_outbound_at": None if inbound else now,
        },
    }
    if not customer_digits:
        del conversation["phone_number"]
    return conversation


def kapso_message_received(
    phone_number_id: str,
    from_digits: str | None,
    text: str,
    wamid: str | None = None,
    contact_name: str | None = None,
    kapso_conversation_id: str | None = None,
    type_: str = "text",
    media: Mapping[str, Any] | None = None,
    *,
    is_new_conversation: bool = True,
) -> dict[str, Any]:
    """A v2 `whatsapp.message.received` body (PROVIDERS.md 3.2).

    `from_digits` None omits `message.from` and `conversation.phone_number` (business-scoped
    users). For `type_ != "text"`, `media` is the Meta media object (`id`, `mime_type`,
    `caption`...); its optional `url`, `filename`, `byte_size` keys go to `kapso.media_url` /
    `kapso.media_data` instead, and `text` becomes `kapso.content`.
    """
    message_id = wamid or new_wamid()
    kapso: dict[str, Any] = {
        "direction": "inbound",
        "status": "received",
        "processing_status": "pending",
        "origin": "cloud_api",
        "has_media": type_ != "text" and media is not None,
        "content": text,
    }
    message: dict[str, Any] = {
        "id": message_id,
        "timestamp": str(int(time.time())),
        "type": type_,
    }
    if from_digits:
        message["from"] = from_digits
    if type_ == "text":
        message["text"] = {"body": text}
    else:
        meta = dict(media or {})
        url = meta.pop("url", None)
        filename = meta.pop("filename", None)
        byte_size = meta.pop("byte_size", None)
        message[type_] = meta
        if url:
            kapso["media_url"] = url
            kapso["media_data"] = {
                "url": url,
                "filename": filename,
                "content_type": meta.get("mime_type"),
                "byte_size": byte_size,
            }
    message["kapso"] = kapso
    return {
        "message": message,
        "conversation": _conversation(
            phone_number_id, from_digits, kapso_conversation_id, contact_name, message, True
        ),
        "is_new_conversation": is_new_conversation,
        "phone_number_id": phone_number_id,
    }


KAPSO_STATUS_EVENTS = {
    "sent": "whatsapp.message.sent",
    "delivered": "whatsapp.message.delivered",
    "read": "whatsapp.message.read",
    "failed": "whatsapp.message.failed",
}


def kapso_status_event(
    phone_number_id: str,
    wamid: str,
    status: str,
    errors: Sequence[Mapping[str, Any]] | None = None,
    *,
    to_digits: str | None = None,
    text: str = "",
    kapso_conversation_id: str | None = None,
) -> dict[str, Any]:
    """A v2 outbound status body, for `whatsapp.message.<status>` (sent/delivered/read/failed).

    `errors` (failed) are Meta error objects, e.g. `{"code": 131047, "title": "Re-engagement
    message", "message": "..."}`; they appear in the raw Meta status under `kapso.statuses`.
    Post it with `event=KAPSO_STATUS_EVENTS[status]`.
    """
    if status not in KAPSO_STATUS_EVENTS:
        raise ValueError(f"unknown WhatsApp status {status!r}")
    timestamp = str(int(time.time()))
    meta_status: dict[str, Any] = {"id": wamid, "status": status, "timestamp": timestamp}
    if to_digits:
        meta_status["recipient_id"] = to_digits
    if errors:
        meta_status["errors"] = [dict(error) for error in errors]
    message: dict[str, Any] = {
        "id": wamid,
        "timestamp": timestamp,
        "type": "text",
        "text": {"body": text},
    }
    if to_digits:
        message["to"] = to_digits
    message["kapso"] = {
        "direction": "outbound",
        "status": status,
        "processing_status": "completed",
        "origin": "cloud_api",
        "has_media": False,
        "content": text,
        "statuses": [meta_status],
    }
    return {
        "message": message,
        "conversation": _conversation(
            phone_number_id, to_digits, kapso_conversation_id, None, message, False
        ),
        "is_new_conversation": False,
        "phone_number_id": phone_number_id,
    }


def kapso_batch(
    events: Sequence[Mapping[str, Any]], event_type: str, *, first_sequence: int = 1
) -> dict[str, Any]:
    """The buffered-delivery envelope: `{"type", "batch": true, "data": [...], "batch_info"}`."""
    conversation = (events[0].get("conversation") or {}) if events else {}
    return {
        "type": event_type,
        "batch": True,
        "data": [dict(event) for event in events],
        "batch_info": {
            "size": len(events),
            "window_ms": 5000,
            "first_sequence": first_sequence,
            "last_sequence": first_sequence + max(len(events) - 1, 0),
            "conversation_id": conversation.get("id"),
        },
    }


async def post_kapso(
    http: httpx.AsyncClient,
    url: str,
    secret: str,
    body: Mapping[str, Any],
    *,
    event: str,
    batch: bool = False,
    idempotency_key: str | None = None,
    signature: str | None = None,
    prefix: str = "",
) -> httpx.Response:
    """POST a Kapso v2 webhook: compact JSON bytes, signed over exactly those bytes.

    `signature` overrides the computed one; `prefix` (e.g. `"sha256="`) is put in front of
    whichever is sent. Reuse `idempotency_key` to imitate a redelivery. `batch` adds
    `X-Webhook-Batch: true` and `X-Batch-Size` (the length of `body["data"]`).
    """
    raw = kapso_raw(body)
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Event": event,
        "X-Webhook-Signature": prefix
        + (signature if signature is not None else kapso_signature(secret, raw)),
        "X-Idempotency-Key": idempotency_key or str(uuid.uuid4()),
        "X-Webhook-Payload-Version": "v2",
    }
    if batch:
        headers["X-Webhook-Batch"] = "true"
        headers["X-Batch-Size"] = str(len(body.get("data") or []))
    return await http.post(url, content=raw, headers=headers)
