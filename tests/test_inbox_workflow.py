"""The inbox agents work in all day: statuses (open, pending, snoozed, resolved) with their
counts and filters. Real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.channels.base import Inbound
from hub.persistence.models import utcnow
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.support.clients import Agent, Client, Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    # Snoozes are checked often, so a test waits a fraction of a second for one to wake.
    async with start_hub(make_settings(database_url, snooze_interval=0.1)) as started:
        yield started


@dataclass
class Team:
    """A company with its owner and one invited agent, both signed in."""

    server: HubServer
    company: CreatedCompany
    owner: Agent
    member: Agent
    member_token: str
    http: httpx.AsyncClient

    @property
    def owner_id(self) -> str:
        return str(self.owner.welcome["agent_id"])

    @property
    def member_id(self) -> str:
        return str(self.member.welcome["agent_id"])

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.company.agent_token}"}

    async def api(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> httpx.Response:
        return await self.http.request(method, path, json=body, headers=self.auth(token))

    async def conversation(self) -> tuple[Widget, str]:
        """A widget conversation with one visitor message, seen by both agents."""
        widget = await Widget.open(self.server.ws, self.company.widget_key)
        said = await widget.say("hello there")
        for agent in (self.owner, self.member):
            await agent.message("hello there")
        return widget, str(said["conversation_id"])


@pytest.fixture
async def team(server: HubServer) -> AsyncIterator[Team]:
    made = await make_team(server, ai=False)
    yield made
    await made.http.aclose()


async def make_team(server: HubServer, *, ai: bool) -> Team:
    company = await server.company("Acme", ai=ai)
    _, member_token = await server.hub.agents.invite(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    owner = await Agent.open(server.ws, company.agent_token)
    member = await Agent.open(server.ws, member_token)
    http = httpx.AsyncClient(base_url=server.http, timeout=10)
    return Team(server, company, owner, member, member_token, http)


async def updated(agent: Client, conversation_id: str, **want: Any) -> dict[str, Any]:
    """The next conversation.updated of this conversation that shows `want`."""
    while True:
        frame = await agent.expect("conversation.updated")
        view: dict[str, Any] = frame["conversation"]
        if view["id"] == conversation_id and all(view.get(k) == v for k, v in want.items()):
            return view


async def counts(agent: Client, **want: int) -> dict[str, Any]:
    """The next inbox.counts whose `all` shows `want`."""
    while True:
        frame = await agent.expect("inbox.counts")
        if all(frame["all"][status] == n for status, n in want.items()):
            return frame


def status_frame(conversation_id: str, status: str, until: str | None = None) -> dict[str, Any]:
    frame = {"type": "conversation.status", "conversation_id": conversation_id, "status": status}
    return frame if until is None else frame | {"snoozed_until": until}


def iso_in(seconds: float) -> str:
    return (utcnow() + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


# -- statuses ---------------------------------------------------------------------------------


async def test_resolving_and_reopening_show_on_every_agents_screen(team: Team) -> None:
    widget, cid = await team.conversation()
    await team.owner.send(status_frame(cid, "resolved"))
    for agent in (team.owner, team.member):
        view = await updated(agent, cid, inbox_status="resolved")
        assert view["status"] == "closed"  # the contract's two values
        frame = await counts(agent, resolved=1, open=0)
        assert frame["unassigned"]["resolved"] == 1

    # The visitor writes again: the same transaction as the message reopens it.
    await widget.say("one more question")
    for agent in (team.owner, team.member):
        view = await updated(agent, cid, inbox_status="open")
        assert view["status"] == "open" and view["last_message"]["text"] == "one more question"
        await counts(agent, resolved=0, open=1)

    listed = (await team.api("GET", "/api/conversations?status=open")).json()["conversations"]
    assert [c["id"] for c in listed] == [cid]
    assert (await team.api("GET", "/api/conversations?status=resolved")).json() == {
        "conversations": []
    }


async def test_pending_filters_and_counts_over_http(team: Team) -> None:
    _, first = await team.conversation()
    _, second = await team.conversation()
    answer = await team.api("POST", f"/api/conversations/{first}/status", {"status": "pending"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["conversation"]["inbox_status"] == "pending"
    await updated(team.member, first, inbox_status="pending")

    def ids(response: httpx.Response) -> list[str]:
        return [c["id"] for c in response.json()["conversations"]]

    assert ids(await team.api("GET", "/api/conversations?status=pending")) == [first]
    assert ids(await team.api("GET", "/api/conversations?status=open")) == [second]
    counted = (await team.api("GET", "/api/conversations/counts")).json()
    assert counted["all"] == {"open": 1, "pending": 1, "snoozed": 0, "resolved": 0}
    assert counted["unassigned"] == counted["all"] and counted["mine"]["open"] == 0

    bad = await team.api("GET", "/api/conversations?status=closed")
    assert bad.status_code == 400
    past = {"status": "snoozed", "snoozed_until": iso_in(-60)}
    refused = await team.api("POST", f"/api/conversations/{first}/status", past)
    assert refused.status_code == 400 and "future" in refused.json()["error"]["message"]
    pending = {"status": "pending"}
    missing = await team.api("POST", f"/api/conversations/{uuid.uuid4().hex}/status", pending)
    assert missing.status_code == 404


async def test_a_snoozed_conversation_wakes_up_at_its_time(team: Team) -> None:
    _, cid = await team.conversation()
    await team.owner.send(status_frame(cid, "snoozed", iso_in(-1)))
    error = await team.owner.expect("error")
    assert error["code"] == "bad_frame" and "future" in error["message"]

    await team.owner.send(status_frame(cid, "snoozed", iso_in(0.6)))
    snoozed = await updated(team.member, cid, inbox_status="snoozed")
    assert snoozed["snoozed_until"] is not None
    await counts(team.member, snoozed=1, open=0)
    woken = await updated(team.member, cid, inbox_status="open")  # the schedule woke it
    assert woken["snoozed_until"] is None
    await counts(team.member, snoozed=0, open=1)


async def test_a_message_from_the_contact_reopens_a_snoozed_or_resolved_sms(
    team: Team,
) -> None:
    hub = team.server.hub
    company_id = team.company.company_id

    def sms(text: str) -> Inbound:
        return Inbound("sms", "+15550000000", "+15551234567", uuid.uuid4().hex, text)

    first = await hub.inbound.receive(company_id, sms("hi"))
    cid = first.message["conversation_id"]
    for status, until in (("snoozed", utcnow() + dt.timedelta(hours=1)), ("resolved", None)):
        view = await hub.workflow.set_status(company_id, cid, status, until)
        assert view["inbox_status"] == status
        await updated(team.owner, cid, inbox_status=status)
        await hub.inbound.receive(company_id, sms(f"back from {status}"))
        reopened = await updated(team.owner, cid, inbox_status="open")
        assert reopened["snoozed_until"] is None
        assert reopened["last_message"]["text"] == f"back from {status}"
