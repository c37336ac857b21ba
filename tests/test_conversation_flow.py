"""The whole widget/agent conversation over real sockets on a loopback port."""

from __future__ import annotations

import httpx

from tests.support.clients import Agent, Widget
from tests.support.server import HubServer


async def test_visitor_and_agent_talk_live(hub: HubServer) -> None:
    company = await hub.company()
    agent = await Agent.open(hub.ws, company.agent_token)
    assert agent.welcome["company_id"] == company.company_id
    assert agent.snapshot["conversations"] == []

    widget = await Widget.open(hub.ws, company.widget_key)
    conversation_id = widget.welcome["conversation_id"]
    assert len(widget.welcome["session_id"]) >= 22

    sent = await widget.say("Hi, do you install on flat roofs?")
    assert sent["seq"] == 1 and sent["sender"] == "visitor" and sent["status"] == "received"
    seen = await agent.message("Hi, do you install on flat roofs?")
    assert seen == sent

    await agent.reply(conversation_id, "We do! Where are you located?")
    reply = await widget.message("We do! Where are you located?")
    assert reply["seq"] == 2 and reply["sender"] == "agent" and reply["direction"] == "outbound"
    assert (await agent.message())["id"] == reply["id"]

    async with httpx.AsyncClient(base_url=hub.http) as http:
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        listed = (await http.get("/api/conversations", headers=auth)).json()["conversations"]
        assert [c["id"] for c in listed] == [conversation_id]
        assert listed[0]["handled_by"] == "human"  # an agent replied
        assert listed[0]["last_message"]["id"] == reply["id"]
        history = await http.get(f"/api/conversations/{conversation_id}/messages", headers=auth)
        assert [m["seq"] for m in history.json()["messages"]] == [1, 2]
    await widget.close()
    await agent.close()
