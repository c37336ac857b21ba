"""Events that cross the bus, their audiences and topic names, in one place.

An event carries its frame already serialised (PERFORMANCE.md: serialise each event once):
every recipient on every process gets the same text, and a process receiving it from Redis
reads only a small routing header, never the frame itself.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

MESSAGE_CREATED = "message.created"
MESSAGE_UPDATED = "message.updated"
AI_DELTA = "ai.delta"
TYPING = "typing"
CONVERSATION_UPDATED = "conversation.updated"
STATS_UPDATED = "stats.updated"
AGENT_REVOKED = "agent.revoked"  # ends that agent's sockets on every process
PRESENCE_UPDATED = "presence.updated"
AGENT_UPDATED = "agent.updated"  # an agent's profile (name, avatar) is new or changed
INBOX_COUNTS = "inbox.counts"
NOTE_CREATED = "note.created"  # agents only, ever: a private note never reaches a widget
RATING_REQUEST = "rating.request"  # a resolved widget conversation asks for a rating
CONVERSATION_RATED = "conversation.rated"  # the visitor rated it (agents and the widget)
RATING_WITHDRAWN = "rating.withdrawn"  # an agent reopened it: the widget stops asking
BUSINESS_HOURS_UPDATED = "business_hours.updated"  # an owner changed them (agents, and the
# processes' availability: hub.connections.availability)
AVAILABILITY_UPDATED = "availability.updated"  # to widgets, built by each process for its own
TEAMS_UPDATED = "teams.updated"  # an owner changed the company's teams: every one, to agents
CONVERSATION_RESOLVED = "conversation.resolved"  # the widget says "This conversation was resolved"
WEBHOOK_PAUSED = "webhook.paused"  # the hub paused an endpoint after a day of failures (agents)

# Frames a slow socket may lose without losing anything that matters.
DROPPABLE = frozenset({TYPING})

TOPIC_PREFIX = "hub:company:"
CONTROL_TOPIC = "hub:control"


def company_topic(company_id: str) -> str:
    """Every event of a company travels on the company's topic (one publish per event)."""
    return TOPIC_PREFIX + company_id


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that changed. Agents of `company_id` get every event; the widget of
    `conversation_id` gets it too when `to_widget` is set."""

    type: str
    company_id: str
    frame: str
    conversation_id: str | None = None
    to_widget: bool = False
    seq: int | None = None  # message.created only: the resume cursor
    # When this process built or received it (delivery latency), and when it was first
    # published, by the wall clock (bus lag between processes); hub.runtime.metrics.
    born: float = field(default_factory=time.monotonic, compare=False)
    published_at: float = field(default_factory=time.time, compare=False)
    # The ASGI send message carrying the frame: built once per event and shared by every
    # recipient socket (a fan-out to a thousand agents builds one, not a thousand).
    asgi: dict[str, Any] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "asgi", {"type": "websocket.send", "text": self.frame})

    @classmethod
    def build(
        cls,
        type_: str,
        company_id: str,
        data: dict[str, Any],
        *,
        conversation_id: str | None = None,
        to_widget: bool = False,
    ) -> Event:
        seq = data["message"]["seq"] if type_ == MESSAGE_CREATED else None
        frame = dumps({"type": type_, **data})
        return cls(type_, company_id, frame, conversation_id, to_widget, seq)

    @property
    def topic(self) -> str:
        return company_topic(self.company_id)

    def encode(self, origin: str) -> str:
        """The bus wire form: a one-line JSON routing header, a newline, the frame."""
        header = [origin, self.type, self.company_id, self.conversation_id, self.to_widget]
        return dumps([*header, self.seq, self.published_at]) + "\n" + self.frame

    @staticmethod
    def decode(raw: str | bytes) -> tuple[str, Event]:
        """Return (origin, event) from `encode`'s output."""
        text = raw.decode() if isinstance(raw, bytes) else raw
        head, _, frame = text.partition("\n")
        origin, type_, company_id, conversation_id, to_widget, seq, *rest = json.loads(head)
        event = Event(type_, company_id, frame, conversation_id, to_widget, seq)
        if rest:  # absent from processes older than the metrics
            event = replace(event, published_at=float(rest[0]))
        return origin, event
