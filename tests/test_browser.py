"""The widget and the agent inbox in real headless Chromium, against a hub on a loopback port.

The widget is embedded with its one-tag snippet on a host page served from another origin;
the inbox is the hub's own `/inbox`. Every wait is on a condition, with a timeout.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings
from tests.support.ai import groq_hub
from tests.support.browser import (
    ARTIFACTS,
    HOSTILE_CSS,
    InboxPage,
    WidgetPage,
    expect,
    host_site,
    new_context,
)
from tests.support.clients import Widget
from tests.support.processes import settle
from tests.support.server import HubServer, start_hub

# Headless Chromium announces itself as "HeadlessChrome" (a bot to the hub); the screenshot
# test browses as an ordinary desktop Chrome so the inbox shows a usual visitor.
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


pytestmark = pytest.mark.usefixtures("needs_chromium")


async def agent_post(server: HubServer, token: str, conversation_id: str, text: str) -> Any:
    """An agent reply through the HTTP API."""
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.text
    return response.json()["message"]


async def only_conversation(server: HubServer, token: str) -> str:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.get(
            "/api/conversations", headers={"Authorization": f"Bearer {token}"}
        )
    response.raise_for_status()
    conversations = response.json()["conversations"]
    assert len(conversations) == 1, conversations
    return str(conversations[0]["id"])


async def test_a_visitor_and_an_agent_talk_through_widget_and_inbox(
    hub: HubServer, browser: Any
) -> None:
    """Also saves tests/artifacts/widget.png and tests/artifacts/inbox.png."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(
            browser, viewport={"width": 1000, "height": 720}, user_agent=DESKTOP_UA
        ) as visitor_ctx,
        new_context(browser, viewport={"width": 1200, "height": 760}) as agent_ctx,
    ):
        inbox = InboxPage(await agent_ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        widget = WidgetPage(await visitor_ctx.new_page())
        await widget.page.goto(site)

        await widget.open()
        await widget.say("Hi! Do you install solar panels in Springfield?")

        # live: the conversation shows up in the already open inbox, under a friendly name
        # from its contact id ("Amber Otter"), not "Visitor"
        item = inbox.conversation()
        await expect(item.locator(".name")).to_have_text(re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+"))
        await expect(item).to_contain_text("Do you install solar panels")
        await item.click()
        question = inbox.message("Do you install solar panels in Springfield?")
        await expect(question).to_have_attribute("data-sender", "visitor")

        await inbox.reply("Yes, we do. Installation usually takes two days.")
        answer = widget.message("Installation usually takes two days.")
        await expect(answer).to_have_count(1)
        await expect(answer).to_have_attribute("data-sender", "agent")
        await expect(answer).to_be_visible()
        await expect(widget.messages()).to_have_count(2)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await widget.page.screenshot(path=str(ARTIFACTS / "widget.png"))
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox.png"), full_page=True)
    assert (ARTIFACTS / "widget.png").stat().st_size > 0
    assert (ARTIFACTS / "inbox.png").stat().st_size > 0


# Records, on every DOM change in the widget, the text length of the AI reply in progress
# and whether it is final yet (it has a seq), keeping only changes.
RECORD_GROWTH = """() => {
  const root = document.getElementById('leadop-widget-host').shadowRoot;
  const seen = (window.__replyLengths = []);
  const record = () => {
    const el = root.querySelector('[data-reply-id]');
    if (!el) return;
    const text = el.querySelector('[data-part=text]');
    const entry = { n: text ? text.textContent.length : 0, done: !!el.getAttribute('data-seq') };
    const last = seen[seen.length - 1];
    if (!last || last.n !== entry.n || last.done !== entry.done) seen.push(entry);
  };
  new MutationObserver(record).observe(root, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
}"""


async def test_an_ai_reply_grows_in_the_widget_before_it_completes(
    sqlite_url: str, browser: Any
) -> None:
    text = (
        "We install solar panels across the whole county, usually within two days of a "
        "survey, and every installation comes with a twenty-five year warranty."
    )
    async with groq_hub(sqlite_url) as (server, fake):
        fake.reply(text, chunk=3, delay=0.03)
        company = await server.company("Sunny", ai=True)
        async with host_site(server.http, company.widget_key) as site, new_context(browser) as ctx:
            widget = WidgetPage(await ctx.new_page())
            await widget.page.goto(site)
            await widget.open()
            await widget.page.evaluate(RECORD_GROWTH)
            await widget.say("Where do you install?")

            final = widget.message(text)
            await expect(final).to_have_count(1)
            await expect(final).to_have_attribute("data-sender", "ai")
            await expect(widget.messages()).to_have_count(2)
            seen = await widget.page.evaluate("window.__replyLengths")

    growing = [entry["n"] for entry in seen if not entry["done"]]
    assert len(set(growing)) >= 3, seen  # several renders before the end
    assert growing == sorted(growing) and len(set(growing)) == len(growing), seen
    assert growing[-1] <= len(text), seen
    assert fake.request_count >= 1


async def test_a_cut_off_reply_is_replaced_by_the_apology_in_the_widget(
    sqlite_url: str, browser: Any
) -> None:
    """The fragment grew in the widget, then the stream ended unfinished: the same bubble
    (one reply_id) ends as the apology, and the fragment is shown nowhere."""
    fragment = "We install solar panels across the whole county, usually within"
    async with groq_hub(sqlite_url) as (server, fake):
        fake.cut_off(fragment, chunk=3)
        company = await server.company("Sunny", ai=True)
        async with host_site(server.http, company.widget_key) as site, new_context(browser) as ctx:
            widget = WidgetPage(await ctx.new_page())
            await widget.page.goto(site)
            await widget.open()
            await widget.page.evaluate(RECORD_GROWTH)
            await widget.say("Where do you install?")

            final = widget.message("I've asked someone from our team")
            await expect(final).to_have_count(1)
            await expect(final).to_have_attribute("data-sender", "ai")
            await expect(widget.messages()).to_have_count(2)
            await expect(widget.log.get_by_text(fragment[:20])).to_have_count(0)
            seen = await widget.page.evaluate("window.__replyLengths")

    assert any(not entry["done"] and entry["n"] > 0 for entry in seen), seen  # it streamed
    assert seen[-1]["done"], seen


def record_hellos(page: Any) -> list[dict[str, Any]]:
    """Every `hello` the page's widget sends, in order (one per socket it opens)."""
    hellos: list[dict[str, Any]] = []

    def on_frame(payload: str | bytes) -> None:
        with contextlib.suppress(ValueError):
            frame = json.loads(payload)
            if isinstance(frame, dict) and frame.get("type") == "hello":
                hellos.append(frame)

    page.on("websocket", lambda ws: ws.on("framesent", on_frame))
    return hellos


async def test_reload_and_hub_restart_lose_nothing_and_show_nothing_twice(
    sqlite_url: str, browser: Any
) -> None:
    settings = make_settings(sqlite_url)
    async with contextlib.AsyncExitStack() as stack:  # the page outlives both hubs
        async with start_hub(settings) as first:
            port = first.port
            company = await first.company("Restart Co")
            site = await stack.enter_async_context(host_site(first.http, company.widget_key))
            ctx = await stack.enter_async_context(new_context(browser))
            widget = WidgetPage(await ctx.new_page())
            hellos = record_hellos(widget.page)
            await widget.page.goto(site)
            await widget.open()
            await widget.say("Before the reload")
            conversation_id = await only_conversation(first, company.agent_token)
            await agent_post(first, company.agent_token, conversation_id, "Agent, before reload")
            await expect(widget.message("Agent, before reload")).to_have_count(1)

            # a reload restores the conversation from the hub
            await widget.page.reload()
            await widget.online()
            await expect(widget.messages()).to_have_count(2)
            await widget.open()
            await expect(widget.message("Before the reload")).to_be_visible()
            await expect(widget.message("Agent, before reload")).to_be_visible()

        # the hub is gone while the page stays open: the widget says so honestly
        await expect(widget.status).to_have_attribute("data-state", "offline")
        before_restart = len(hellos)

        async with start_hub(settings, port=port) as second:  # same port, same SQLite file
            # posted as soon as the new hub listens, before the widget's backoff reconnects
            await agent_post(second, company.agent_token, conversation_id, "Missed one")
            await agent_post(second, company.agent_token, conversation_id, "Missed two")
            await widget.online()
            await expect(widget.message("Missed one")).to_have_count(1)
            await expect(widget.message("Missed two")).to_have_count(1)
            await expect(widget.messages()).to_have_count(4)
            seqs = await widget.messages().evaluate_all(
                "els => els.map(e => Number(e.getAttribute('data-seq')))"
            )
            assert len(seqs) == 4 and seqs == sorted(set(seqs)), seqs  # each exactly once
            texts = await widget.texts()
            assert texts[2:] == ["Missed one", "Missed two"], texts
            resumed = hellos[before_restart:]
            assert resumed and resumed[-1]["last_seq"] == 2, hellos  # resumed, not replayed
            # and the reconnected widget still sends
            await widget.say("After the restart")
            await expect(widget.messages()).to_have_count(5)


async def test_hostile_host_css_does_not_break_the_widget(hub: HubServer, browser: Any) -> None:
    company = await hub.company("Hostile")
    async with (
        host_site(hub.http, company.widget_key, css=HOSTILE_CSS) as site,
        new_context(browser) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)
        await expect(widget.page.get_by_role("heading")).to_be_hidden()  # the CSS applies
        await expect(widget.launcher).to_be_visible()
        box = await widget.launcher.bounding_box()
        assert box is not None and box["width"] >= 32 and box["height"] >= 32, box
        await widget.open()  # a real click: the launcher receives pointer events
        await expect(widget.send_button).to_be_visible()
        await widget.say("Can you still read me?")
        await expect(widget.message("Can you still read me?")).to_be_visible()


async def test_visits_and_engaged_visits_show_on_the_inbox_counters(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Counters")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser) as visitor_ctx,
        new_context(browser) as agent_ctx,
    ):
        inbox = InboxPage(await agent_ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        await expect(inbox.visits).to_have_text("0")
        await expect(inbox.engaged).to_have_text("0")

        widget = WidgetPage(await visitor_ctx.new_page())
        await widget.page.goto(site)
        await expect(inbox.visits).to_have_text("1")  # loading the page counts a visit
        await expect(inbox.engaged).to_have_text("0")

        await widget.open()
        await expect(inbox.engaged).to_have_text("1")  # opening the chat engages it
        await expect(inbox.visits).to_have_text("1")


async def test_an_agents_day_claim_canned_note_resolve_and_reopen(
    hub: HubServer, browser: Any
) -> None:
    """Two agents' inboxes side by side, a visitor on a socket. Also saves
    tests/artifacts/inbox-workflow.png."""
    company = await hub.company("Workflow Co")
    member, member_token = await hub.hub.agents.add(
        company.company_id, {"email": "sam@workflow.example", "name": "Sam", "role": "agent"}
    )
    async with (
        new_context(browser, viewport={"width": 1280, "height": 820}) as owner_ctx,
        new_context(browser, viewport={"width": 1280, "height": 820}) as member_ctx,
    ):
        owner = InboxPage(await owner_ctx.new_page())
        await owner.goto(hub.http, company.agent_token)
        sam = InboxPage(await member_ctx.new_page())
        await sam.goto(hub.http, member_token)
        await expect(owner.teammate(member["id"])).to_have_attribute("data-presence", "online")
        await expect(sam.page.get_by_text("Canned responses", exact=True)).to_be_hidden()

        # The owner saves a canned response; Sam finds it behind "/" below.
        await owner.page.get_by_text("Canned responses", exact=True).click()
        await owner.page.get_by_label("Shortcut").fill("hours")
        await owner.page.get_by_label("Text", exact=True).fill(
            "We are open 9 to 5, Monday to Friday."
        )
        await owner.button("Save response").click()
        saved = owner.page.get_by_role("list", name="Saved replies").get_by_role("listitem")
        await expect(saved).to_contain_text("/hours")

        visitor = await Widget.open(hub.ws, company.widget_key)
        cid = (await visitor.say("When are you open?"))["conversation_id"]
        await expect(owner.conversation(cid)).to_be_visible()
        await sam.conversation(cid).click()
        await expect(sam.button("Release")).to_be_disabled()  # the AI has it: nothing to release
        await sam.button("Take over").click()
        await expect(sam.page.locator("#handled-by")).to_have_text("Sam")  # claimed, by name
        await expect(sam.button("Take over")).to_be_disabled()
        await expect(sam.button("Release")).to_be_enabled()
        await expect(owner.conversation(cid)).to_have_attribute("data-assignee", member["id"])

        # "/" lists the company's canned responses; Enter puts one in the reply.
        await sam.reply_box.press_sequentially("/ho")
        options = sam.page.get_by_role("listbox", name="Canned responses").get_by_role("option")
        await expect(options).to_have_count(1)
        await expect(options.first).to_contain_text("/hours")
        await sam.reply_box.press("Enter")
        await expect(sam.reply_box).to_have_value("We are open 9 to 5, Monday to Friday.")
        await sam.send_button.click()
        await expect(sam.message("We are open 9 to 5")).to_have_count(1)
        assert (await visitor.message("We are open 9 to 5, Monday to Friday."))["sender"] == "agent"

        # A private note: both agents see it, marked private; the visitor never does.
        await sam.page.get_by_label("Private note").check()
        await sam.reply_box.fill("Asked about weekends last time")
        await sam.button("Add note").click()
        await expect(sam.note("Asked about weekends")).to_have_count(1)
        await owner.conversation(cid).click()
        await expect(owner.note("Asked about weekends")).to_have_count(1)

        # Resolving takes it out of everyone's open list; a new message brings it back.
        await sam.button("Resolve").click()
        await expect(owner.conversation(cid)).to_have_count(0)
        await expect(owner.status_filter("resolved").locator("[data-count]")).to_have_text("1")
        await owner.status_filter("resolved").click()
        await expect(owner.conversation(cid)).to_have_attribute("data-status", "resolved")
        await owner.status_filter("open").click()
        await visitor.say("And on Saturdays?")
        await expect(owner.conversation(cid)).to_have_attribute("data-status", "open")
        await expect(owner.status_filter("open").locator("[data-count]")).to_have_text("1")
        await expect(owner.message("And on Saturdays?")).to_have_count(1)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await owner.page.screenshot(path=str(ARTIFACTS / "inbox-workflow.png"), full_page=True)
    await settle(visitor)
    assert not [f for f in visitor.seen if "weekends" in json.dumps(f)]
    assert (ARTIFACTS / "inbox-workflow.png").stat().st_size > 0


async def test_the_inbox_resumes_after_a_restart_naming_what_it_holds(
    sqlite_url: str, browser: Any
) -> None:
    """The inbox's socket comes back after the hub restarts and names what it holds in
    `auth.resume`, so whatever was written while it was away reaches it without a reload."""
    settings = make_settings(sqlite_url)
    sent: list[dict[str, Any]] = []

    def record(payload: str | bytes) -> None:
        frame = json.loads(payload)
        if frame.get("type") == "auth":
            sent.append(frame)

    async with contextlib.AsyncExitStack() as stack:  # the page outlives both hubs
        async with start_hub(settings) as first:
            port = first.port
            company = await first.company("Resume Co")
            ctx = await stack.enter_async_context(new_context(browser))
            page = await ctx.new_page()
            page.on("websocket", lambda ws: ws.on("framesent", record))
            inbox = InboxPage(page)
            await inbox.goto(first.http, company.agent_token)
            visitor = await Widget.open(first.ws, company.widget_key)
            await visitor.say("Before the restart")
            conversation_id = visitor.welcome["conversation_id"]
            await expect(inbox.conversation(conversation_id)).to_contain_text("Before the restart")
        await expect(page.locator("#conn")).to_have_attribute("data-state", "offline")

        async with start_hub(settings, port=port) as second:
            back = await Widget.open(
                second.ws, company.widget_key, session_id=visitor.welcome["session_id"], last_seq=1
            )
            await back.say("While the inbox was away")
            row = inbox.conversation(conversation_id)
            await expect(row).to_contain_text("While the inbox was away")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
            resume = sent[-1]["resume"]
            assert resume["seqs"] == {conversation_id: 1}, resume
            assert resume["since"] >= "2026", resume  # an ISO time from the hub's messages
