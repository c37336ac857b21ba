"""AI replies: streamed from (fake) Groq through the real SDK, stopped by humans, tools,
failures, and the offline responder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.ai.assistant import SORRY
from hub.ai.local import DONT_KNOW
from hub.persistence import repository as repo
from tests.channel_support import ACCOUNT_SID, AUTH_TOKEN, CUSTOMER, TWILIO_NUMBER
from tests.conftest import make_settings
from tests.fakes.groq import FakeGroq
from tests.fakes.webhooks import inbound_sms_params, post_twilio
from tests.support.ai import groq_channel_hub, groq_hub
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def groq(sqlite_url: str) -> AsyncIterator[tuple[HubServer, FakeGroq]]:
    async with groq_hub(sqlite_url) as pair:
        yield pair


async def open_pair(server: HubServer, **ai: Any) -> tuple[Any, Agent, Widget]:
    company = await server.company(ai=True)
    if ai:
        await server.hub.knowledge.update_ai_config(company.company_id, ai)
    agent = await Agent.open(server.ws, company.agent_token)
    widget = await Widget.open(server.ws, company.widget_key)
    return company, agent, widget


async def test_a_reply_streams_to_widget_and_agent_then_is_saved(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    text = "We install solar panels across the whole county, usually within two weeks."
    fake.reply(text, chunk=4, delay=0.03)
    _, agent, widget = await open_pair(server)
    await widget.say("Where do you install?")
    final = await widget.message(text)
    deltas = [f for f in widget.seen if f["type"] == "ai.delta"]
    assert len(deltas) >= 3  # it grew over several frames, coalesced (not one per token)
    assert len(deltas) < len(text) // 4
    assert [d["index"] for d in deltas] == list(range(len(deltas)))
    assert {d["reply_id"] for d in deltas} == {final["id"]}
    assert "".join(d["text"] for d in deltas) == final["text"]
    assert (final["sender"], final["direction"]) == ("ai", "outbound")
    seen = await agent.message(text)
    agent_deltas = [f for f in agent.seen if f["type"] == "ai.delta"]
    assert [d["text"] for d in agent_deltas] == [d["text"] for d in deltas]
    assert seen == final
    request = fake.requests[-1]
    assert request["stream"] is True and request["model"] == "llama-3.1-8b-instant"
    assert request["messages"][-1] == {"role": "user", "content": "Where do you install?"}


async def test_a_takeover_stops_the_ai_mid_stream(groq: tuple[HubServer, FakeGroq]) -> None:
    server, fake = groq
    fake.reply("word " * 60, chunk=5, delay=0.03)
    company, agent, widget = await open_pair(server)
    visitor = await widget.say("Tell me everything")
    await agent.expect("ai.delta")
    await agent.send(
        {"type": "conversation.takeover", "conversation_id": visitor["conversation_id"]}
    )
    await agent.expect("conversation.updated")
    await agent.reply(visitor["conversation_id"], "Hi, a human here.")
    await widget.message("Hi, a human here.")
    await fake.wait_for_idle()
    async with httpx.AsyncClient(base_url=server.http) as http:
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        url = f"/api/conversations/{visitor['conversation_id']}/messages"
        senders = [m["sender"] for m in (await http.get(url, headers=auth)).json()["messages"]]
    assert senders == ["visitor", "agent"]  # the AI's reply was never saved


async def test_handoff_and_lead_tools(groq: tuple[HubServer, FakeGroq]) -> None:
    server, fake = groq
    fake.reply(
        "Thanks Ana, a specialist will reach out.",
        tool_calls=[
            {
                "name": "capture_lead",
                "arguments": {"name": "Ana", "email": "ana@example.com", "budget": "$10k"},
            },
            {"name": "handoff_to_human", "arguments": {"reason": "wants a quote"}},
        ],
    )
    _, agent, widget = await open_pair(server, use_case="lead_qualification")
    await widget.say("I'm Ana, ana@example.com, budget 10k, I want a quote")
    await widget.message("Thanks Ana, a specialist will reach out.")
    updated = await agent.expect("conversation.updated", timeout=5)
    while not updated["conversation"]["needs_human"]:
        updated = await agent.expect("conversation.updated")
    conversation = updated["conversation"]
    # Handed off: the AI is silent, and no human has it until an agent claims it.
    assert (conversation["handoff"], conversation["handled_by"]) == ("waiting", "ai")
    assert conversation["handoff_actions"] == ["takeover", "release"]
    assert conversation["contact"]["name"] == "Ana"
    assert conversation["contact"]["email"] == "ana@example.com"
    assert conversation["contact"]["lead"] == {"budget": "$10k"}
    tools = [t["function"]["name"] for t in fake.requests[-1]["tools"]]
    assert tools == ["handoff_to_human", "capture_lead"]

    # An agent claims it: now a human handles it, and nobody needs to be fetched any more.
    await agent.send({"type": "conversation.takeover", "conversation_id": conversation["id"]})
    taken = (await agent.expect("conversation.updated"))["conversation"]
    assert (taken["handoff"], taken["handled_by"], taken["needs_human"]) == (
        "human",
        "human",
        False,
    )
    assert taken["handoff_actions"] == ["release"]


async def test_rate_limit_is_honoured_then_the_reply_arrives(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    fake.fail(429, retry_after=0.2)
    fake.reply("After a short wait.")
    _, _, widget = await open_pair(server)
    await widget.say("Hello?")
    assert (await widget.message("After a short wait."))["sender"] == "ai"
    assert fake.request_count == 2


@pytest.mark.parametrize("failure", ["500", "mid_stream"])
async def test_failures_become_an_honest_message_and_needs_human(
    groq: tuple[HubServer, FakeGroq], failure: str
) -> None:
    server, fake = groq
    if failure == "500":
        fake.fail(500, times=3)
    else:
        fake.error_mid_stream("Our prices start at", "model overloaded")
    _, agent, widget = await open_pair(server)
    await widget.say("How much?")
    sorry = await widget.message(SORRY)
    deltas = [f for f in widget.seen if f["type"] == "ai.delta"]
    assert all(d["reply_id"] == sorry["id"] for d in deltas)  # superseded by the same id
    updated = await agent.expect("conversation.updated")
    while not updated["conversation"]["needs_human"]:
        updated = await agent.expect("conversation.updated")


FRAGMENT = "Our prices start at forty"


async def stored(server: HubServer, company: Any, conversation_id: str) -> list[tuple[str, str]]:
    """(sender, text) of every stored message, through the messages API."""
    async with httpx.AsyncClient(base_url=server.http) as http:
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        url = f"/api/conversations/{conversation_id}/messages"
        response = await http.get(url, headers=auth)
    assert response.status_code == 200, response.text
    return [(m["sender"], m["text"]) for m in response.json()["messages"]]


async def needs_human(agent: Agent, conversation_id: str) -> dict[str, Any]:
    """The first conversation.updated of `conversation_id` that has needs_human true."""
    while True:
        updated = await agent.expect("conversation.updated", timeout=5)
        conversation: dict[str, Any] = updated["conversation"]
        if conversation["id"] == conversation_id and conversation["needs_human"]:
            return conversation


@pytest.mark.parametrize("unfinished", ["cut_off", "dropped", "stalled"])
async def test_an_unfinished_stream_is_a_failure_not_an_answer(
    sqlite_url: str, unfinished: str
) -> None:
    """Deltas went out, then the stream ended with no finish_reason (body ended, connection
    dropped) or stalled behind keep-alives: the visitor's last word is the apology, under the
    deltas' reply_id, the fragment is not stored, and agents are asked to step in."""
    async with groq_hub(sqlite_url, groq_stream_idle_timeout=0.5) as (server, fake):
        if unfinished == "stalled":
            fake.stall(FRAGMENT + " euros.", 30, after=3, chunk=5, keepalive=0.05)
        else:
            fake.cut_off(FRAGMENT, chunk=5, drop=unfinished == "dropped")
        company, agent, widget = await open_pair(server)
        visitor = await widget.say("How much?")
        final = await widget.message(timeout=5)
        assert (final["sender"], final["text"]) == ("ai", SORRY)
        deltas = [f for f in widget.seen if f["type"] == "ai.delta"]
        assert deltas and {d["reply_id"] for d in deltas} == {final["id"]}
        assert FRAGMENT.startswith("".join(d["text"] for d in deltas))
        assert (await agent.message(SORRY))["id"] == final["id"]  # agents see it too, then
        conversation = await needs_human(agent, visitor["conversation_id"])
        assert conversation["handled_by"] == "ai"
        assert await stored(server, company, visitor["conversation_id"]) == [
            ("visitor", "How much?"),
            ("ai", SORRY),
        ]
        await fake.wait_for_idle()  # the hub hung up on the stalled stream
        assert fake.request_count == 1  # a reply that showed text is never retried


async def test_a_stream_cut_off_before_any_text_is_retried(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    fake.cut_off("")
    fake.reply("Here it is in full.")
    _, _, widget = await open_pair(server)
    await widget.say("Hello?")
    assert (await widget.message(timeout=5))["text"] == "Here it is in full."
    assert fake.request_count == 2


async def test_a_reply_over_the_total_time_budget_fails_without_retry(sqlite_url: str) -> None:
    """Chunks keep coming (no stall), but the attempt outlives its budget; and a stall
    before any text that spends the whole budget is not retried either."""
    settings = {"groq_stream_idle_timeout": 5.0, "groq_stream_total_timeout": 0.5}
    async with groq_hub(sqlite_url, **settings) as (server, fake):
        fake.reply("word " * 40, chunk=2, delay=0.05)  # ~5 s of chunks
        company, agent, widget = await open_pair(server)
        visitor = await widget.say("Tell me everything")
        assert (await widget.message(timeout=5))["text"] == SORRY
        await needs_human(agent, visitor["conversation_id"])
        fake.hang(30)  # the opening chunk, then nothing: no text shown, yet no retry
        await widget.say("Still there?")
        assert (await widget.message(timeout=5))["text"] == SORRY
        await fake.wait_for_idle()
        assert fake.request_count == 2
        senders = [
            sender for sender, _ in await stored(server, company, visitor["conversation_id"])
        ]
        assert senders == ["visitor", "ai", "visitor", "ai"]


async def test_a_reply_that_hits_max_tokens_is_saved_as_streamed(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    """finish_reason "length" is a finished reply (the company's max_tokens ended it)."""
    server, fake = groq
    text = "We offer three plans: basic, plus and"
    fake.reply(text, chunk=5, finish_reason="length")
    company, _, widget = await open_pair(server)
    visitor = await widget.say("What plans?")
    final = await widget.message(timeout=5)
    assert final["text"] == text
    deltas = [f for f in widget.seen if f["type"] == "ai.delta"]
    assert "".join(d["text"] for d in deltas) == text
    assert await stored(server, company, visitor["conversation_id"]) == [
        ("visitor", "What plans?"),
        ("ai", text),
    ]
    conv = await server.hub.conversations.require(company.company_id, visitor["conversation_id"])
    assert not conv.needs_human


async def test_the_prompt_holds_the_relevant_pairs_of_this_company_only(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    company, _, widget = await open_pair(server)
    other = await server.company("Globex", ai=True)
    knowledge = server.hub.knowledge
    await knowledge.add_pair(other.company_id, "Do you install heat pumps?", "GLOBEX SECRET")
    rows = [
        {
            "id": f"q{i}",
            "company_id": company.company_id,
            "question": f"Q{i} on topic{i}",
            "answer": f"A{i}",
        }
        for i in range(2000)
    ]
    async with server.hub.db.write() as conn:
        await conn.execute(repo.qa_pairs.insert(), rows)
    await knowledge.add_pair(company.company_id, "Do you install heat pumps?", "Yes, since 2015.")
    await knowledge.update_profile(
        company.company_id,
        {"name": "Acme", "facts": ["Open Monday to Friday"], "description": "Solar installer"},
    )
    await widget.say("Do you install heat pumps?")
    await fake.wait_for_requests(1)
    system = fake.requests[-1]["messages"][0]["content"]
    assert "Yes, since 2015." in system and "Open Monday to Friday" in system
    assert "GLOBEX SECRET" not in system
    assert system.count("Q: ") <= 8
    assert len(system) < 8000


async def test_the_offline_responder_answers_from_knowledge(sqlite_url: str) -> None:
    async with start_hub(make_settings(sqlite_url)) as server:
        company, _, widget = await open_pair(server)
        await server.hub.knowledge.add_pair(
            company.company_id, "What are your opening hours?", "We are open 9 to 5, Mon-Fri."
        )
        await widget.say("what are your opening hours")
        answer = await widget.message("We are open 9 to 5, Mon-Fri.")
        assert answer["sender"] == "ai"
        await widget.say("Can you fix my car?")
        assert (await widget.message(DONT_KNOW))["sender"] == "ai"


async def test_sms_contacts_get_the_finished_reply_by_sms(sqlite_url: str) -> None:

    async with groq_channel_hub(sqlite_url) as (ch, fake):
        fake.reply("Yes, we do weekend installs.", chunk=5, delay=0.02)
        agent = await Agent.open(ch.server.ws, ch.company.agent_token)
        params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "Weekends?")
        await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)
        reply = await agent.message("Yes, we do weekend installs.")
        assert (reply["channel"], reply["sender"], reply["status"]) == ("sms", "ai", "queued")
        assert any(f["type"] == "ai.delta" for f in agent.seen)  # agents watch it stream
        sent = await ch.twilio.wait_for_messages(1)
        assert [m["Body"] for m in sent] == ["Yes, we do weekend installs."]


async def test_a_visitor_who_reconnects_mid_stream_gets_the_finished_reply(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    text = "A long answer that keeps streaming while the visitor's page reloads."
    fake.reply(text, chunk=3, delay=0.03)
    company, _, widget = await open_pair(server)
    sent = await widget.say("Tell me more")
    await widget.expect("ai.delta")
    await widget.close()
    again = await Widget.open(
        server.ws,
        company.widget_key,
        session_id=widget.welcome["session_id"],
        last_seq=sent["seq"],
    )
    final = await again.message(text)
    assert (final["seq"], final["sender"]) == (2, "ai")
    assert [m["seq"] for m in again.messages()] == [2]


async def test_a_tool_only_answer_saves_a_short_acknowledgement(
    groq: tuple[HubServer, FakeGroq],
) -> None:
    server, fake = groq
    fake.reply("", tool_calls=[{"name": "capture_lead", "arguments": {"need": "x" * 900}}])
    _, agent, widget = await open_pair(server, use_case="lead_qualification")
    await widget.say("I need panels")
    assert (await widget.message())["text"] == "Thanks, I've noted that."
    updated = await agent.expect("conversation.updated")
    while updated["conversation"]["contact"]["lead"] is None:
        updated = await agent.expect("conversation.updated")
    assert updated["conversation"]["contact"]["lead"] == {"need": "x" * 500}


async def test_the_ai_never_answers_a_contact_who_opted_out(sqlite_url: str) -> None:

    async with groq_channel_hub(sqlite_url) as (ch, fake):
        agent = await Agent.open(ch.server.ws, ch.company.agent_token)
        for text in ("STOP", "are you there?"):
            params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, text)
            await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)
            await agent.message(text)
        # Opted back in, the next message is answered: the only model call of the test.
        fake.reply("Welcome back.")
        for text in ("START", "hello again"):
            params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, text)
            await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, params)
        await agent.message("Welcome back.")
        assert fake.request_count == 1
        assert [m["Body"] for m in await ch.twilio.wait_for_messages(1)] == ["Welcome back."]
