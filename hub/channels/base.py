"""What every provider adapter produces and raises: one shape for SMS and WhatsApp."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Inbound:
    """A contact's message, normalised from a provider's webhook."""

    channel: str  # "sms" | "whatsapp"
    address: str  # the company's side: Twilio number or Kapso phone_number_id
    sender: str  # the contact's phone, E.164
    provider_id: str  # MessageSid / wamid: the dedupe key
    text: str
    type: str = "text"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    contact_name: str | None = None
    external_conversation_id: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's report on an outbound message."""

    channel: str
    address: str
    provider_id: str
    status: str  # sent | delivered | read | failed
    error_code: str | None = None
    error_message: str | None = None


class SendFailed(Exception):
    """A provider refused a send. `transient` ones are retried with backoff."""

    def __init__(
        self,
        transient: bool,
        code: str | None,
        message: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code
        self.message = message
        self.retry_after = retry_after


# Provider statuses onto ours; a status never moves backwards (callbacks arrive out of order).
STATUS_RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5}
