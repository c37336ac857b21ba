"""Standard Webhooks signatures (https://www.standardwebhooks.com), by its reference library.

Each POST carries `webhook-id` (the event's id, the same on every retry: receivers dedupe on
it), `webhook-timestamp` (seconds since the epoch, at this attempt) and `webhook-signature`
(`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the endpoint's secret).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret: `whsec_` and 32 random bytes in base64 (the spec's form)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def headers(secret: str, event_id: str, at: dt.datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    signature = Webhook(secret).sign(event_id, at, body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
