"""What the API shows of endpoints, deliveries and attempts (never a secret but once)."""

from __future__ import annotations

import json
from typing import Any

from hub.webhooks.payloads import iso


def endpoint_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "events": list(row.events),
        "state": row.state,
        "paused_reason": row.paused_reason,
        "failing_since": iso(row.failing_since),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def attempt_view(row: Any) -> dict[str, Any]:
    return {
        "attempt": row.attempt,
        "status_code": row.status_code,
        "response": row.response,
        "error": row.error,
        "duration_ms": row.duration_ms,
        "at": iso(row.created_at),
    }


def delivery_view(row: Any, attempts: list[Any] | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "endpoint_id": row.endpoint_id,
        "event_id": row.event_id,
        "type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_status_code": row.last_status_code,
        "last_response": row.last_response,
        "last_error": row.last_error,
        "created_at": iso(row.created_at),
        "delivered_at": iso(row.delivered_at),
        "payload": json.loads(row.payload),
        "log": [attempt_view(a) for a in attempts or []],
    }
