"""Kapso (WhatsApp): webhook signature and parsing, and sends through `kapso_whatsapp`."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from kapso_whatsapp import WhatsAppClient
from kapso_whatsapp.exceptions import MessageWindowError, RateLimitError, WhatsAppAPIError

from hub.channels.base import Inbound, SendFailed, StatusUpdate
from hub.channels.phones import e164
from hub.runtime.digests import same_secret

STATUS_EVENTS = {
    "whatsapp.message.sent": "sent",
    "whatsapp.message.delivered": "delivered",
    "whatsapp.message.read": "read",
    "whatsapp.message.failed": "failed",
}
RECEIVED = "whatsapp.message.received"


def signature_ok(secret: str, raw: bytes, header: str | None) -> bool:
    """Hex HMAC-SHA256 of the raw body; an optional `sha256=` prefix is tolerated."""
    if not header:
        return False
    given = header.strip().removeprefix("sha256=")
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return same_secret(given.lower(), expected)


def events(body: Any, batch_header: str | None) -> list[dict[str, Any]]:
    """A delivery's events: batched (`data`) or single."""
    if not isinstance(body, dict):
        raise ValueError("webhook body is not a JSON object")
    if body.get("batch") is True or (batch_header or "").lower() == "true":
        data = body.get("data")
        if not isinstance(data, list):
            raise ValueError("batch without a data list")
        return [event for event in data if isinstance(event, dict)]
    return [body]


def phone_number_id(event: dict[str, Any]) -> str | None:
    pnid = event.get("phone_number_id") or (event.get("conversation") or {}).get("phone_number_id")
    return str(pnid) if pnid else None


def inbound(event: dict[str, Any], address: str) -> Inbound:
    message = event["message"]
    conversation = event.get("conversation") or {}
    kapso = message.get("kapso") or {}
    sender = message.get("from") or conversation.get("phone_number")
    if not sender:
        raise ValueError("message has no sender phone number")
    kind = str(message.get("type") or "text")
    return Inbound(
        channel="whatsapp",
        address=address,
        sender=e164(str(sender)),
        provider_id=str(message["id"]),
        text=_text(message, kind, kapso),
        type=kind,
        attachments=_media(message, kind, kapso),
        contact_name=(conversation.get("kapso") or {}).get("contact_name"),
        external_conversation_id=conversation.get("id"),
    )


def status(event_type: str, event: dict[str, Any], address: str) -> StatusUpdate:
    message = event["message"]
    errors = ((message.get("kapso") or {}).get("statuses") or [{}])[-1].get("errors") or []
    error = errors[0] if errors else {}
    return StatusUpdate(
        "whatsapp",
        address,
        str(message["id"]),
        STATUS_EVENTS[event_type],
        str(error["code"]) if error.get("code") else None,
        error.get("message") or error.get("title"),
    )


def _text(message: dict[str, Any], kind: str, kapso: dict[str, Any]) -> str:
    if kind == "text":
        return str((message.get("text") or {}).get("body") or "")
    body = message.get(kind) or {}
    if kind == "location":
        return " ".join(str(body[k]) for k in ("name", "address") if body.get(k)) or "location"
    if kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return str(reply.get("title") or "")
    if kind == "reaction":
        return str(body.get("emoji") or "")
    return str(body.get("caption") or (kapso.get("transcript") or {}).get("text") or "")


def _media(message: dict[str, Any], kind: str, kapso: dict[str, Any]) -> list[dict[str, Any]]:
    data = kapso.get("media_data") or {}
    url = data.get("url") or kapso.get("media_url")
    if not url and kind != "location":
        return []
    if kind == "location":
        body = message.get("location") or {}
        return [
            {
                "type": "location",
                "latitude": body.get("latitude"),
                "longitude": body.get("longitude"),
            }
        ]
    body = message.get(kind) or {}
    return [
        {
            "url": url,
            "content_type": data.get("content_type") or body.get("mime_type"),
            "size": data.get("byte_size"),
            "filename": data.get("filename"),
        }
    ]


class KapsoSender:
    """Sends WhatsApp text through Kapso's Meta proxy at `api_url` (a fake in tests)."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    async def send(
        self, creds: dict[str, Any], to: str, text: str, status_callback: str | None
    ) -> str:
        client = WhatsAppClient(
            kapso_api_key=creds["api_key"], base_url=self.api_url, max_retries=0, timeout=10
        )
        try:
            sent = await client.messages.send_text(
                phone_number_id=creds["phone_number_id"], to=to, body=text
            )
            return str(sent.message_id)
        except MessageWindowError as exc:
            raise SendFailed(False, "window_closed", exc.message) from None
        except RateLimitError as exc:
            raise SendFailed(True, "429", exc.message, exc.retry_after) from None
        except WhatsAppAPIError as exc:
            status_code = exc.status_code or 0
            transient = status_code == 0 or status_code >= 500
            raise SendFailed(transient, str(exc.error_code or status_code), exc.message) from None
        finally:
            await client.close()
