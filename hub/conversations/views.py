"""The contract's JSON objects (Message, Conversation) built from database rows."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row

from hub.conversations.handoff import Handoff, State, contract_handled_by, offered

ACTIONS = {"takeover": Handoff.AGENT_TAKES_OVER, "release": Handoff.AGENT_RELEASES}


def iso(value: dt.datetime) -> str:
    """ISO-8601 in UTC with a `Z`, millisecond precision."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def avatar_url(agent_id: str, avatar_id: str | None) -> str | None:
    """The public URL of an agent's avatar (`GET /avatars/{agent_id}`), relative to the hub,
    with its version: a new avatar is a new URL, so each may be cached for good."""
    return None if avatar_id is None else f"/avatars/{agent_id}?v={avatar_id}"


def message_view(row: Any) -> dict[str, Any]:
    """`row`: a messages row, or anything with its columns as attributes."""
    author = row.agent_id if row.sender == "agent" else None
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "seq": row.seq,
        "channel": row.channel,
        "direction": row.direction,
        "sender": row.sender,
        "sender_name": row.sender_name,  # the agent's name on agent replies, else None
        # Agent replies: who wrote it, and the avatar it was sent with (else both None).
        "agent_id": author,
        "avatar_url": None if author is None else avatar_url(author, row.sender_avatar),
        "text": row.text,
        "client_id": row.client_id,
        "status": row.status,
        "created_at": iso(row.created_at),
        "type": row.type,
        "attachments": row.attachments or [],
        "error": (
            None
            if row.error_code is None and row.error_message is None
            else {"code": row.error_code, "message": row.error_message}
        ),
    }


def rating_view(row: Any) -> dict[str, Any]:
    """Conversation.rating: a ratings row as `{"score", "comment", "at"}`."""
    return {"score": row.score, "comment": row.comment, "at": iso(row.created_at)}


def label_view(row: Any) -> dict[str, Any]:
    """A label as conversations and contacts carry it: `{"id", "name", "colour"}`."""
    return {"id": row.id, "name": row.name, "colour": row.colour}


def conversation_view(
    row: Row[Any],
    last_message: Row[Any] | None,
    rating: Row[Any] | None = None,
    labels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`row` comes from repository.recent_conversations (conversation + contact + context);
    `rating`: the conversation's latest satisfaction rating (hub.conversations.ratings);
    `labels`: its labels, by name (label_view)."""
    state = State.of(row)
    view: dict[str, Any] = {
        "id": row.id,
        "channel": row.channel,
        # CONTRACT.md's two values; `inbox_status` says which of the four it is.
        "status": "closed" if row.status == "resolved" else "open",
        "inbox_status": row.status,
        "snoozed_until": None if row.snoozed_until is None else iso(row.snoozed_until),
        "assignee_id": row.assignee_id,
        "team_id": getattr(row, "team_id", None),  # issue 21 (hub.workspace.teams)
        "handled_by": contract_handled_by(state),
        "handoff": row.handled_by,  # ai | waiting | human (hub.conversations.handoff)
        # The agent actions that would change who answers, for the inbox's buttons.
        "handoff_actions": [
            name for name, transition in ACTIONS.items() if offered(transition, state)
        ],
        "needs_human": row.needs_human,
        "contact": {
            "id": row.contact_id,
            "name": row.contact_name,
            "phone": row.contact_phone,
            "email": row.contact_email,
            "lead": row.contact_lead,  # what the AI's capture_lead tool learned
        },
        "last_message": None if last_message is None else message_view(last_message),
        "last_seq": row.last_seq,
        "updated_at": iso(row.updated_at),
        "external_id": row.external_id,  # the provider's conversation id (Kapso)
        "rating": None if rating is None else rating_view(rating),
        # Issue 21: a new conversation (the group commit's rows) has neither yet.
        "priority": getattr(row, "priority", None) or "none",
        "labels": labels or [],
    }
    if row.channel == "widget":
        view["visitor"] = {
            "page_url": row.page_url,
            "ip_address": row.ip_address,
            "browser": row.browser,
            "device": row.device,
            "timezone": row.timezone,  # IANA, from the widget's hello (place, local time)
        }
    return view


def new_conversation_view(
    conversation: dict[str, Any], shown: dict[str, Any] | None, message: dict[str, Any]
) -> dict[str, Any]:
    """A conversation just created with its first message, from the rows written (its
    contact is new: at most the name and email the visitor gave, no phone or lead)."""
    contact = dict.fromkeys(("contact_name", "contact_phone", "contact_email", "contact_lead"))
    shown = dict(shown or {})
    contact["contact_name"] = shown.pop("name", None)
    contact["contact_email"] = shown.pop("email", None)
    row = SimpleNamespace(**conversation, **contact, **shown)
    return conversation_view(row, SimpleNamespace(**message))  # type: ignore[arg-type]
