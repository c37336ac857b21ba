"""Whether the team is there, as the widget shows it: `online` or `away`.

Online when the company is within its business hours (hub.workspace.business_hours) and at
least one agent is online (not away) on any process (hub.conversations.presence); away
otherwise. The widget gets it in `welcome.availability` and then `availability.updated`
whenever it changes.

Cost: nothing per message and nothing on the bus of its own. Each process keeps, for the
companies whose widget sockets it holds, the agents' presence as the `presence.updated`
frames it already hears on the company's topic (read once from the database when its first
widget of the company says hello, merged by version) and the company's hours (the
`business_hours.updated` frame). When either changes it recomputes the company's state and,
only when the state differs from what its widgets were last told, sends the new state to
its own widgets of that company: one frame built once per process and company. A schedule
(`tick`) catches the hours' own edges (opening at 9:00) and changes to AI settings; after a
bus loss every company is read again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from hub import events
from hub.ai.knowledge import KnowledgeService
from hub.connections.registry import Registry
from hub.conversations.presence import ONLINE, Presence
from hub.events import Event
from hub.workspace.business_hours import BusinessHoursService, Hours, is_open, parse, reply_time

log = logging.getLogger("hub.availability")

ONLINE_STATE, AWAY_STATE = "online", "away"


def availability_view(hours: Hours, open_: bool, agents_online: bool, ai: bool) -> dict[str, Any]:
    """What the widget is told. `ai`: the AI answers now (so no away notice and no email
    ask on top of its answers)."""
    online = open_ and agents_online
    away = not online
    return {
        "status": ONLINE_STATE if online else AWAY_STATE,
        "open": open_,
        "reply_time": reply_time(hours) if online else None,
        "away_message": hours.away_message if away and not ai else None,
        "ai": ai,
        "ask_email": away and not ai,
    }


@dataclass
class _Company:
    hours: Hours
    agents: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (status, version)
    last: dict[str, Any] | None = None  # what this process's widgets were last told
    stale: bool = False  # the bus lost events: read presence again at the next tick

    def merge(self, agent_id: str, status: str, version: int) -> None:
        held = self.agents.get(agent_id)
        if held is None or version >= held[1]:
            self.agents[agent_id] = (status, version)


class Availability:
    """This process's view of its companies' availability (see the module docstring)."""

    def __init__(
        self,
        registry: Registry,
        presence: Presence,
        hours: BusinessHoursService,
        knowledge: KnowledgeService,
    ) -> None:
        self.registry = registry
        self.presence = presence
        self.hours = hours
        self.knowledge = knowledge
        self._companies: dict[str, _Company] = {}
        self._seeding: dict[str, asyncio.Task[_Company]] = {}
        registry.on_company_event = self.heard
        registry.on_released = self.forget

    async def current(self, company_id: str) -> dict[str, Any]:
        """The state a widget saying hello is told (read once per process and company)."""
        state = self._companies.get(company_id)
        if state is None:
            task = self._seeding.get(company_id)
            if task is None:
                task = asyncio.ensure_future(self._seed(company_id))
                self._seeding[company_id] = task
                task.add_done_callback(lambda _t: self._seeding.pop(company_id, None))
            state = await asyncio.shield(task)
        self._push(company_id, state)  # a change not yet told goes to the others too
        assert state.last is not None
        return state.last

    async def _seed(self, company_id: str) -> _Company:
        state = _Company(await self.hours.get(company_id))
        # Registered before the read: a change heard meanwhile is merged by version.
        self._companies[company_id] = state
        try:
            for agent in await self.presence.agents(company_id):
                state.merge(agent["id"], agent["status"], agent["version"])
        except BaseException:
            self._companies.pop(company_id, None)
            raise
        return state

    def _view(self, company_id: str, state: _Company) -> dict[str, Any]:
        open_ = is_open(state.hours, self.hours.clock())
        online = any(status == ONLINE for status, _ in state.agents.values())
        config = self.knowledge.cached_ai_config(company_id)
        ai = config is None or (config.enabled and (open_ or config.answer_off_hours))
        return availability_view(state.hours, open_, online, ai)

    def heard(self, event: Event) -> None:
        """A company event this process received: a presence or hours change."""
        state = self._companies.get(event.company_id)
        if state is None:
            return
        data = json.loads(event.frame)
        if event.type == events.PRESENCE_UPDATED:
            state.merge(data["agent_id"], data["status"], int(data["version"]))
        elif event.type == events.BUSINESS_HOURS_UPDATED:
            state.hours = parse(data["hours"])
            self.hours.heard(event.company_id, state.hours)
        self._push(event.company_id, state)

    def forget(self, company_id: str) -> None:
        """This process holds no socket of the company any more."""
        self._companies.pop(company_id, None)

    def lost(self) -> None:
        """The bus lost events: presence is read again for every company at the next tick."""
        for state in self._companies.values():
            state.stale = True

    async def tick(self) -> None:
        """The hours' own edges, AI-settings changes, and the reads after a bus loss."""
        for company_id, state in list(self._companies.items()):
            if state.stale:
                for agent in await self.presence.agents(company_id):
                    state.merge(agent["id"], agent["status"], agent["version"])
                state.stale = False  # only once read: a failed read is tried next tick
            state.hours = await self.hours.get(company_id)
            self._push(company_id, state)

    def _push(self, company_id: str, state: _Company) -> None:
        view = self._view(company_id, state)
        if view == state.last:
            return
        state.last = view
        widgets = self.registry.company_widgets.get(company_id)
        if not widgets:
            return
        event = Event.build(events.AVAILABILITY_UPDATED, company_id, {"availability": view})
        for widget in tuple(widgets):
            widget.deliver(event)
