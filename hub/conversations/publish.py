"""`Publisher`: every event that reaches sockets is built and published here, and only here.

Each method names one frame of docs/protocol.md and decides its audience: the company's agents
always, the conversation's widget when the frame is meant for the visitor. Callers publish
only after their transaction has committed (persist -> commit -> publish).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub import events
from hub.bus import Bus
from hub.events import Event
from hub.runtime import metrics


def message_created(company_id: str, message: dict[str, Any]) -> Event:
    """The `message.created` of a stored message, for its company's agents and, on the
    widget, its conversation's widget: published live here, or replayed from the database
    (hub.connections.repair)."""
    return Event.build(
        events.MESSAGE_CREATED,
        company_id,
        {"message": message},
        conversation_id=message["conversation_id"],
        to_widget=message["channel"] == "widget",
    )


class Publisher:
    """Builds each event once (its frame serialised once) and hands it to the bus."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def message_created(
        self, company_id: str, message: dict[str, Any], *, again: bool = False
    ) -> None:
        """A stored message (`again`: a resend's, published once more, not counted)."""
        if not again:
            metrics.messages.labels(message["channel"], message["sender"]).inc()
        await self.bus.publish(message_created(company_id, message))

    async def message_updated(self, company_id: str, message: dict[str, Any]) -> None:
        """A message's delivery status moved forward (agents only)."""
        await self._publish(
            events.MESSAGE_UPDATED, company_id, {"message": message}, message["conversation_id"]
        )

    async def conversation_updated(self, company_id: str, view: dict[str, Any]) -> None:
        """A conversation's state or contact changed, or it is new (agents only)."""
        await self._publish(
            events.CONVERSATION_UPDATED, company_id, {"conversation": view}, view["id"]
        )

    async def typing(
        self, company_id: str, conversation_id: str, sender: str, active: bool, *, channel: str
    ) -> None:
        """Agents always; the widget too unless the visitor is the one typing."""
        data = {"conversation_id": conversation_id, "sender": sender, "active": active}
        to_widget = channel == "widget" and sender != "visitor"
        await self._publish(events.TYPING, company_id, data, conversation_id, to_widget=to_widget)

    async def ai_delta(
        self, company_id: str, conversation_id: str, channel: str, data: dict[str, Any]
    ) -> None:
        """A streamed piece of an AI reply (`reply_id`, `index`, `text`)."""
        await self._publish(
            events.AI_DELTA,
            company_id,
            {"conversation_id": conversation_id, **data},
            conversation_id,
            to_widget=channel == "widget",
        )

    async def stats_updated(
        self, company_id: str, day: dt.date, visits: int, engaged_visits: int
    ) -> None:
        data = {"day": day.isoformat(), "visits": visits, "engaged_visits": engaged_visits}
        await self._publish(events.STATS_UPDATED, company_id, data)

    async def presence_updated(
        self, company_id: str, agent_id: str, status: str, version: int
    ) -> None:
        """An agent came online, went away or offline (clients keep the highest version)."""
        data = {"agent_id": agent_id, "status": status, "version": version}
        await self._publish(events.PRESENCE_UPDATED, company_id, data)

    async def inbox_counts(self, company_id: str, counts: dict[str, Any]) -> None:
        await self._publish(events.INBOX_COUNTS, company_id, counts)

    async def note_created(self, company_id: str, note: dict[str, Any]) -> None:
        """A private note: to the company's agents, never to the conversation's widget."""
        await self._publish(
            events.NOTE_CREATED, company_id, {"note": note}, note["conversation_id"]
        )

    async def rating_request(self, company_id: str, conversation_id: str) -> None:
        """The conversation was resolved: its widget asks the visitor for a rating."""
        data = {"conversation_id": conversation_id}
        await self._publish(
            events.RATING_REQUEST, company_id, data, conversation_id, to_widget=True
        )

    async def conversation_resolved(self, company_id: str, conversation_id: str) -> None:
        """An agent resolved it: its widget says so (with or without a rating question)."""
        data = {"conversation_id": conversation_id}
        await self._publish(
            events.CONVERSATION_RESOLVED, company_id, data, conversation_id, to_widget=True
        )

    async def rating_withdrawn(self, company_id: str, conversation_id: str) -> None:
        """An agent moved it out of `resolved`: its widget stops asking for a rating."""
        data = {"conversation_id": conversation_id}
        await self._publish(
            events.RATING_WITHDRAWN, company_id, data, conversation_id, to_widget=True
        )

    async def conversation_rated(
        self, company_id: str, conversation_id: str, rating: dict[str, Any]
    ) -> None:
        """The visitor rated it: agents show it, the widget (every tab) says thanks."""
        data = {"conversation_id": conversation_id, "rating": rating}
        await self._publish(
            events.CONVERSATION_RATED, company_id, data, conversation_id, to_widget=True
        )

    async def business_hours_updated(self, company_id: str, hours: dict[str, Any]) -> None:
        """An owner changed the company's business hours (agents; every process's
        availability recomputes its widgets' state from it)."""
        await self._publish(events.BUSINESS_HOURS_UPDATED, company_id, {"hours": hours})

    async def agent_revoked(self, company_id: str, agent_id: str) -> None:
        """Ends that agent's sockets on every process ("*": every agent of the company)."""
        await self._publish(events.AGENT_REVOKED, company_id, {"agent_id": agent_id})

    async def api_key_revoked(self, company_id: str, key_id: str) -> None:
        """Ends the sockets that API key opened, on every process."""
        data = {"agent_id": None, "api_key_id": key_id}
        await self._publish(events.AGENT_REVOKED, company_id, data)

    async def agent_updated(self, company_id: str, agent: dict[str, Any]) -> None:
        """An agent joined the company or changed its name or avatar: every agent of the
        company (never a widget) updates its team and the author of that agent's replies.
        `agent`: {id, name, email, role, avatar_url}."""
        await self._publish(events.AGENT_UPDATED, company_id, {"agent": agent})

    async def teams_updated(self, company_id: str, teams: list[dict[str, Any]]) -> None:
        """An owner created, changed or deleted a team: every agent of the company gets the
        company's teams, all of them (hub.workspace.teams: a few per company)."""
        await self._publish(events.TEAMS_UPDATED, company_id, {"teams": teams})

    async def webhook_paused(self, company_id: str, endpoint: dict[str, Any]) -> None:
        """The hub paused an outgoing webhook endpoint after a day of failures (agents only;
        the inbox shows it to owners). `endpoint`: its view, as `GET /api/webhooks/{id}`."""
        await self._publish(events.WEBHOOK_PAUSED, company_id, {"webhook": endpoint})

    async def _publish(
        self,
        type_: str,
        company_id: str,
        data: dict[str, Any],
        conversation_id: str | None = None,
        *,
        to_widget: bool = False,
    ) -> None:
        event = Event.build(
            type_, company_id, data, conversation_id=conversation_id, to_widget=to_widget
        )
        await self.bus.publish(event)
