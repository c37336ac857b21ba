"""Availability that tells the truth: `/api/business-hours`, the widget's online / away from
presence and the hours (live, as it changes), and the AI off hours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.persistence.models import utcnow
from tests.conftest import make_settings
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub

EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
OPEN = {"timezone": "Europe/Madrid", "schedule": EVERY_DAY, "reply_minutes": 5}
CLOSED = {
    "timezone": "Europe/Madrid",
    "schedule": {},
    "away_message": "We're closed: leave your email.",
}


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


async def api(
    server: HubServer, method: str, path: str, token: str, body: Any = None
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        auth = {"Authorization": f"Bearer {token}"}
        return await http.request(method, path, json=body, headers=auth)


async def test_owners_write_the_hours_and_agents_read_them(server: HubServer) -> None:
    company = await server.company()
    _, member = await server.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    default = (await api(server, "GET", "/api/business-hours", member)).json()
    assert default["configured"] is False and default["schedule"]["sun"] == [["00:00", "24:00"]]

    body = {**OPEN, "holidays": ["2026-12-25"], "reply_text": "a few minutes"}
    saved = await api(server, "PUT", "/api/business-hours", company.agent_token, body)
    assert saved.status_code == 200, saved.text
    read = (await api(server, "GET", "/api/business-hours", member)).json()
    assert read == saved.json()
    assert read["timezone"] == "Europe/Madrid" and read["holidays"] == ["2026-12-25"]
    assert read["configured"] is True and read["reply_text"] == "a few minutes"

    refused = await api(server, "PUT", "/api/business-hours", member, CLOSED)
    assert refused.status_code == 403
    bad = await api(
        server, "PUT", "/api/business-hours", company.agent_token, {**OPEN, "timezone": "Moon/Base"}
    )
    assert bad.status_code == 400 and "timezone" in bad.json()["error"]["message"]
    nul = await api(
        server, "PUT", "/api/business-hours", company.agent_token, {**OPEN, "reply_text": "a\x00"}
    )
    assert nul.status_code == 400
    assert (await api(server, "GET", "/api/business-hours", member)).json() == read  # unchanged


async def availability(widget: Widget, status: str) -> dict[str, Any]:
    frame = await widget.expect("availability.updated")
    assert frame["availability"]["status"] == status, frame
    return frame["availability"]  # type: ignore[no-any-return]


async def test_the_widget_follows_the_last_agent_away_and_back(server: HubServer) -> None:
    company = await server.company()
    await api(server, "PUT", "/api/business-hours", company.agent_token, OPEN)
    nobody = await Widget.open(server.ws, company.widget_key)
    assert nobody.welcome["availability"]["status"] == "away"  # nobody signed in

    agent = await Agent.open(server.ws, company.agent_token)
    came = await availability(nobody, "online")
    assert came["reply_time"] == "5 minutes" and came["ask_email"] is False
    widget = await Widget.open(server.ws, company.widget_key)
    assert widget.welcome["availability"] == came

    await agent.send({"type": "presence.set", "status": "away"})
    went = await availability(widget, "away")
    assert went["ask_email"] is True and went["reply_time"] is None
    await availability(nobody, "away")
    await agent.send({"type": "presence.set", "status": "online"})
    await availability(widget, "online")
    await agent.close()  # the last agent's last socket: offline
    await availability(widget, "away")
    # Only changes are sent: a second agent socket coming and going flips it twice, no more.
    again = await Agent.open(server.ws, company.agent_token)
    await availability(widget, "online")
    await again.close()
    await availability(widget, "away")
    assert [f["type"] for f in widget.seen].count("availability.updated") == 5


async def test_closing_hours_turn_the_widget_away_with_agents_online(server: HubServer) -> None:
    company = await server.company()
    agent = await Agent.open(server.ws, company.agent_token)
    widget = await Widget.open(server.ws, company.widget_key)
    assert widget.welcome["availability"]["status"] == "online"  # no hours: always open
    await api(server, "PUT", "/api/business-hours", company.agent_token, CLOSED)
    away = await availability(widget, "away")
    assert away["open"] is False and away["away_message"] == CLOSED["away_message"]
    hours = await agent.expect("business_hours.updated")
    assert hours["hours"]["timezone"] == "Europe/Madrid"
    await api(server, "PUT", "/api/business-hours", company.agent_token, OPEN)
    await availability(widget, "online")


async def test_a_holiday_today_is_away(server: HubServer) -> None:
    company = await server.company()
    await Agent.open(server.ws, company.agent_token)
    today = utcnow().astimezone().date().isoformat()
    holidays = [today, (utcnow().date()).isoformat()]  # the UTC date and the local one
    body = {"timezone": "UTC", "schedule": EVERY_DAY, "holidays": sorted(set(holidays))}
    await api(server, "PUT", "/api/business-hours", company.agent_token, body)
    widget = await Widget.open(server.ws, company.widget_key)
    assert widget.welcome["availability"]["status"] == "away"


async def test_the_ai_answers_off_hours_without_an_away_notice(server: HubServer) -> None:
    company = await server.company(ai=True)
    await api(server, "PUT", "/api/business-hours", company.agent_token, CLOSED)
    widget = await Widget.open(server.ws, company.widget_key)
    shown = widget.welcome["availability"]
    assert shown["status"] == "away" and shown["ai"] is True
    assert shown["away_message"] is None and shown["ask_email"] is False
    await widget.say("What are your opening hours?")
    answer = await widget.message()
    assert answer["sender"] == "ai"
    texts = [m["text"] for m in widget.messages()]
    assert CLOSED["away_message"] not in texts and len(texts) == 2  # the question, the answer


async def test_the_ai_told_not_to_answer_off_hours_stays_quiet(server: HubServer) -> None:
    company = await server.company(ai=True)
    hub = server.hub
    await hub.knowledge.update_ai_config(company.company_id, {"answer_off_hours": False})
    await api(server, "PUT", "/api/business-hours", company.agent_token, CLOSED)
    widget = await Widget.open(server.ws, company.widget_key)
    shown = widget.welcome["availability"]
    assert shown["ai"] is False and shown["ask_email"] is True
    assert shown["away_message"] == CLOSED["away_message"]
    said = await widget.say("Anyone there?")
    await hub.assistant.reply(company.company_id, said["conversation_id"])  # the AI's turn
    history = await hub.conversations.history(company.company_id, said["conversation_id"], 0)
    assert [m["sender"] for m in history] == ["visitor"]
