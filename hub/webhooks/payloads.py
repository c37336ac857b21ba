"""The `data` of webhook events built from stored rows (the sources that hold a row, not a
view). Times are ISO 8601 in UTC; ids are the hub's own."""

from __future__ import annotations

import datetime as dt
from typing import Any


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def conversation_data(row: Any) -> dict[str, Any]:
    """A conversation as webhooks carry it (`data.conversation`)."""
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "channel": row.channel,
        "status": row.status,
        "assignee_id": row.assignee_id,
        "handled_by": row.handled_by,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def contact_data(row: Any) -> dict[str, Any]:
    """A contact as webhooks carry it (`data.contact`)."""
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "lead": row.lead or {},
        "created_at": iso(row.created_at),
    }
