"""The inbox agents work in all day: statuses (open, pending, snoozed, resolved) with their
counts and filters, assignment (claims, round-robin among online agents, the cap), presence,
private notes and canned responses. Real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from hub.channels.base import Inbound
from hub.persistence import repository as repo
from hub.persistence.models import utcnow
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.support.ai import groq_hub
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import settle
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
    _, member_token = await server.hub.agents.add(
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


# -- assignment -------------------------------------------------------------------------------


async def test_claims_assignments_and_the_views_of_them(team: Team) -> None:
    _, cid = await team.conversation()
    await team.member.send({"type": "conversation.takeover", "conversation_id": cid})
    taken = await updated(team.owner, cid, handled_by="human")
    assert taken["assignee_id"] == team.member_id  # taking over is claiming
    assert (taken["needs_human"], taken["handoff_actions"]) == (False, ["release"])

    frame = {"type": "conversation.assign", "conversation_id": cid, "agent_id": team.owner_id}
    await team.member.send(frame)
    assert (await updated(team.member, cid, assignee_id=team.owner_id))["handled_by"] == "human"
    await team.member.send(frame | {"agent_id": uuid.uuid4().hex})
    assert (await team.member.expect("error"))["code"] == "not_found"

    mine = await team.api("GET", "/api/conversations?assignee=me")
    assert [c["id"] for c in mine.json()["conversations"]] == [cid]
    theirs = await team.api("GET", "/api/conversations?assignee=me", token=team.member_token)
    assert theirs.json()["conversations"] == []
    assert (await team.api("GET", "/api/conversations/counts")).json()["mine"]["open"] == 1

    cleared = await team.api("PUT", f"/api/conversations/{cid}/assignee", {"agent_id": None})
    assert cleared.json()["conversation"]["assignee_id"] is None
    unassigned = await team.api("GET", "/api/conversations?assignee=none")
    assert [c["id"] for c in unassigned.json()["conversations"]] == [cid]

    # Replying to a conversation nobody has claims it for the one who replied.
    await team.member.reply(cid, "I can help")
    assert (await updated(team.owner, cid, assignee_id=team.member_id))["handled_by"] == "human"


async def test_handoffs_wait_for_a_human_and_are_dealt_round_robin(database_url: str) -> None:
    async with start_hub(make_settings(database_url)) as server:
        team = await make_team(server, ai=True)  # the offline responder hands off on "human"
        owner, member = team.owner_id, team.member_id
        cap = await team.api("PUT", "/api/inbox-settings", {"auto_assign": True, "assign_cap": 2})
        assert cap.json() == {"auto_assign": True, "assign_cap": 2}

        async def hand_off() -> dict[str, Any]:
            widget = await Widget.open(server.ws, team.company.widget_key)
            said = await widget.say("Can I talk to a human please")
            return await updated(team.owner, said["conversation_id"], handoff="waiting")

        first, second = await hand_off(), await hand_off()
        for view in (first, second):
            # Nobody has claimed it yet: the contract's field does not say "human".
            assert (view["handled_by"], view["needs_human"]) == ("ai", True)
            assert view["handoff_actions"] == ["takeover", "release"]
        assert {first["assignee_id"], second["assignee_id"]} == {owner, member}  # one each

        await team.member.send({"type": "presence.set", "status": "away"})
        await team.owner.expect("presence.updated", agent_id=member, status="away")
        assert (await hand_off())["assignee_id"] == owner  # the away agent is skipped
        assert (await hand_off())["assignee_id"] is None  # the owner is at the cap of 2

        await team.member.send({"type": "conversation.takeover", "conversation_id": first["id"]})
        claimed = await updated(team.owner, first["id"], handoff="human")
        assert (claimed["handled_by"], claimed["needs_human"]) == ("human", False)
        assert claimed["assignee_id"] == member
        await team.http.aclose()


# -- presence ---------------------------------------------------------------------------------


async def test_presence_follows_each_agents_sockets(team: Team) -> None:
    member = team.member_id
    await team.member.close()
    offline = await team.owner.expect("presence.updated", agent_id=member, status="offline")

    again = await Agent.open(team.server.ws, team.member_token)
    online = await team.owner.expect("presence.updated", agent_id=member)
    assert online["status"] == "online" and online["version"] > offline["version"]
    listed = (await again.expect("presence.snapshot"))["agents"]
    assert {a["id"]: a["status"] for a in listed} == {team.owner_id: "online", member: "online"}

    await again.send({"type": "presence.set", "status": "away"})
    away = await team.owner.expect("presence.updated", agent_id=member)
    assert away["status"] == "away"
    second = await Agent.open(team.server.ws, team.member_token)  # a second tab
    await again.close()  # one tab of two closed: still there, and nothing announced
    await settle(second)
    await settle(team.owner)
    assert [f for f in team.owner.seen if f.get("version", 0) > away["version"]] == []
    shown = (await team.api("GET", "/api/presence")).json()["agents"]
    assert {a["id"]: a["status"] for a in shown}[member] == "away"  # kept across sockets

    set_back = await team.api("PUT", "/api/agents/me/presence", {"status": "online"},
                              token=team.member_token)  # fmt: skip
    assert set_back.json() == {"status": "online"}
    await team.owner.expect("presence.updated", agent_id=member, status="online")
    await second.close()
    await team.owner.expect("presence.updated", agent_id=member, status="offline")


async def test_an_agent_on_a_process_that_died_goes_offline(team: Team) -> None:
    """A process killed outright never says goodbye: its rows stop being refreshed, and the
    next heartbeat of any other process strikes them out and says so."""
    hub, member = team.server.hub, team.member_id
    await team.member.close()
    await team.owner.expect("presence.updated", agent_id=member, status="offline")
    stale = utcnow() - 2 * hub.presence.ttl
    async with hub.db.write(system=True) as conn:
        await conn.execute(
            insert(repo.agent_sockets).values(
                agent_id=member,
                process_id="a-process-that-died",
                company_id=team.company.company_id,
                seen_at=stale,
            )
        )
    await hub.presence.heartbeat()
    gone = await team.owner.expect("presence.updated", agent_id=member)
    assert gone["status"] == "offline"
    async with hub.db.read(system=True) as conn:
        rows = await conn.execute(select(func.count()).select_from(repo.agent_sockets))
        assert rows.scalar_one() == 1  # the owner's own socket, refreshed


# -- private notes and canned responses -------------------------------------------------------


async def test_private_notes_reach_agents_and_never_the_visitor(team: Team) -> None:
    widget, cid = await team.conversation()
    note = {"type": "note.create", "conversation_id": cid, "client_id": "n-1", "text": "VIP!"}
    await team.owner.send(note)
    for agent in (team.owner, team.member):
        shown = (await agent.expect("note.created"))["note"]
        assert (shown["text"], shown["private"], shown["agent_id"]) == ("VIP!", True, team.owner_id)
    await team.owner.send(note)  # a repeat: the stored note, to this socket only
    assert (await team.owner.expect("note.created"))["note"]["id"] == shown["id"]
    await settle(team.member)
    assert [f for f in team.member.seen if f["type"] == "note.created"] == [
        {"type": "note.created", "note": shown}
    ]

    posted = await team.api("POST", f"/api/conversations/{cid}/notes", {"text": "call back"})
    assert posted.status_code == 201 and posted.json()["note"]["private"] is True
    notes = (await team.api("GET", f"/api/conversations/{cid}/notes")).json()["notes"]
    assert [n["text"] for n in notes] == ["VIP!", "call back"]
    history = (await team.api("GET", f"/api/conversations/{cid}/messages")).json()["messages"]
    assert [m["text"] for m in history] == ["hello there"]

    await settle(widget)
    assert not [f for f in widget.seen if "VIP!" in json.dumps(f) or "call back" in str(f)]
    assert widget.messages()[-1]["text"] == "hello there"

    # What agents wrote about a person is theirs to see, and goes when they are erased.
    [conversation] = (await team.api("GET", "/api/conversations")).json()["conversations"]
    contact = conversation["contact"]["id"]
    exported = (await team.api("GET", f"/api/contacts/{contact}/export")).json()
    assert [n["text"] for n in exported["notes"]] == ["VIP!", "call back"]
    assert (await team.api("DELETE", f"/api/contacts/{contact}")).status_code == 204
    async with team.server.hub.db.read(system=True) as conn:
        left = await conn.execute(select(func.count()).select_from(repo.notes))
        assert left.scalar_one() == 0


async def test_notes_stay_out_of_the_ais_history_and_the_providers_queue(
    sqlite_url: str,
) -> None:
    async with groq_hub(sqlite_url) as (server, fake):
        fake.reply("Happy to help.")
        fake.reply("Still happy to help.")
        company = await server.company("Acme", ai=True)
        owner = await Agent.open(server.ws, company.agent_token)
        widget = await Widget.open(server.ws, company.widget_key)
        cid = (await widget.say("Hello"))["conversation_id"]
        await widget.message("Happy to help.")
        await owner.send(
            {"type": "note.create", "conversation_id": cid, "client_id": "n", "text": "SECRET"}
        )
        await owner.expect("note.created")
        await widget.say("And another thing")
        await widget.message("Still happy to help.")
        assert fake.request_count == 2
        assert "SECRET" not in json.dumps(fake.requests)  # the prompt never held the note

        # On SMS a note queues nothing for the provider: it is not a message.
        hub = server.hub
        await hub.knowledge.update_ai_config(company.company_id, {"enabled": False})
        sms = Inbound("sms", "+15550000000", "+15551234567", "SM1", "hi by text")
        sms_cid = (await hub.inbound.receive(company.company_id, sms)).message["conversation_id"]
        await owner.send(
            {"type": "note.create", "conversation_id": sms_cid, "client_id": "m", "text": "SECRET"}
        )
        await owner.expect("note.created")
        async with hub.db.read() as conn:
            out = await conn.execute(
                select(func.count())
                .select_from(repo.messages)
                .where(repo.messages.c.conversation_id == sms_cid)
            )
            assert out.scalar_one() == 1  # only the contact's own message


async def test_canned_responses_are_the_owners_to_change(team: Team) -> None:
    member = team.member_token
    create = {"shortcut": "hours", "text": "We open at 9."}
    assert (
        await team.api("POST", "/api/canned-responses", create, token=member)
    ).status_code == 403
    created = await team.api("POST", "/api/canned-responses", create)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert (await team.api("POST", "/api/canned-responses", create)).status_code == 409
    bad = await team.api("POST", "/api/canned-responses", {"shortcut": "a b", "text": "x"})
    assert bad.status_code == 400

    listed = (await team.api("GET", "/api/canned-responses", token=member)).json()["responses"]
    assert [(r["shortcut"], r["text"]) for r in listed] == [("hours", "We open at 9.")]
    change = {"shortcut": "hours", "text": "We open at 8."}
    assert (await team.api("PUT", f"/api/canned-responses/{rid}", change)).json()["text"] == (
        "We open at 8."
    )
    assert (await team.api("DELETE", f"/api/canned-responses/{rid}")).status_code == 204
    assert (await team.api("DELETE", f"/api/canned-responses/{rid}")).status_code == 404
