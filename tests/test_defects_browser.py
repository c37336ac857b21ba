"""Issue 19, part 6, in Chromium: the defects a team met on its first day. Logs that follow
the conversation when an image loads late, a header that fits, contact details out of the way,
the contact page, anonymous visitors told apart, and ratings that are not lost. Each test
failed before its fix. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from hub.persistence import repository as repo
from hub.workspace.companies import agent_token
from tests.support.browser import ARTIFACTS, InboxPage, WidgetPage, expect, host_site, new_context
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer
from tests.test_attachments_browser import choose, drawn, png

pytestmark = pytest.mark.usefixtures("needs_chromium")

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

# How far the log is from its end (0: the newest message is fully in view).
FROM_END = "log => log.scrollHeight - log.scrollTop - log.clientHeight"
# Two frames: what a ResizeObserver would do about a change has been done.
FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


async def at_end(log: Any) -> None:
    """Wait (with the tests' timeout) for the log to show its end."""
    await log.evaluate(
        f"""log => new Promise((done) => {{
          const check = () => ({FROM_END})(log) <= 1 ? done() : requestAnimationFrame(check);
          check();
        }})"""
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def send_image(hub: HubServer, key: str, visitor: Widget, name: str) -> None:
    """The widget's way: upload a 200x160 image over HTTP, then a message carrying it."""
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        response = await http.post(
            "/api/widget/attachments",
            params={"key": key, "name": name},
            content=png(200, 160, (40, 120, 200)),
            headers={**auth(visitor.welcome["session_id"]), "Content-Type": "image/png"},
        )
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]["id"]
    frame = {"type": "message.send", "client_id": name, "text": "", "attachments": [attachment]}
    await visitor.send(frame)
    await visitor.expect("message.created")


async def chatty_visitor(hub: HubServer, key: str, lines: int = 14) -> Widget:
    visitor = await Widget.open(hub.ws, key)
    for i in range(lines):
        await visitor.say(f"Question number {i} about the solar panels")
    return visitor


async def test_the_inbox_log_follows_an_image_that_loads_late(hub: HubServer, browser: Any) -> None:
    """The thumbnail loaded after the log scrolled to the end: the newest message landed below
    the fold (1,228 px shown of 1,437). Now a log at its end stays there, live and on opening;
    a reader who scrolled up is left where they are."""
    company = await hub.company("Acme Solar")
    visitor = await chatty_visitor(hub, company.widget_key)
    async with new_context(browser, viewport=LAPTOP) as ctx:
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        await inbox.conversation().click()
        await expect(inbox.message("Question number 13")).to_be_visible()
        await send_image(hub, company.widget_key, visitor, "roof.png")
        thumbs = inbox.log.get_by_role("img", name="roof.png")
        assert await drawn(thumbs) == 200
        await asyncio.wait_for(at_end(inbox.log), 5)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-follow-image.png"))

        # Opened afresh: the history is drawn, then the image.
        await inbox.page.reload()
        await inbox.conversation().click()
        assert await drawn(inbox.log.get_by_role("img", name="roof.png")) == 200
        await expect(inbox.message("Question number 0")).to_have_count(1)
        await asyncio.wait_for(at_end(inbox.log), 5)

        # Scrolled up to read: another image does not pull the reader down.
        await inbox.log.evaluate("log => { log.scrollTop = 0; }")
        await inbox.page.wait_for_function("() => document.getElementById('log').scrollTop === 0")
        await send_image(hub, company.widget_key, visitor, "meter.png")
        assert await drawn(inbox.log.get_by_role("img", name="meter.png")) == 200
        await inbox.page.evaluate(FRAMES)
        assert await inbox.log.evaluate("log => log.scrollTop") == 0
    await visitor.close()


async def test_the_widget_log_follows_an_image_that_loads_late(
    hub: HubServer, browser: Any
) -> None:
    """The widget jumped the same way: its own image, drawn after the scroll, pushed the
    newest message out of view."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)
        await widget.open()
        for i in range(8):
            await widget.say(f"Line {i} of my long question")
        attach = widget.page.get_by_role("button", name="Attach a file")
        await choose(widget.page, attach, "meter.png", "image/png", png(200, 160, (9, 9, 9)))
        shown = widget.messages().last.get_by_role("img", name="meter.png")
        assert await drawn(shown) == 200
        await expect(widget.messages()).to_have_count(9)
        await asyncio.wait_for(at_end(widget.log), 5)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await widget.page.screenshot(path=str(ARTIFACTS / "widget-follow-image.png"))


async def header_height(inbox: InboxPage) -> float:
    box = await inbox.page.locator("header.top").bounding_box()
    assert box is not None
    return float(box["height"])


async def test_the_header_fits_at_1280_and_375(hub: HubServer, browser: Any) -> None:
    """With two teammates the header wrapped at 1,280 px, and it took 185 px of a 375 px
    phone. Now it is one line at 1,280 px (every item on the first row) and at most 64 px on
    the phone, where what does not fit scrolls sideways."""
    company = await hub.company("Acme Solar")
    for email in ("maria.rodriguez@acme-solar.example", "jonathan.oconnor@acme-solar.example"):
        await agent_token(hub.hub.db, hub.settings, company.company_id, "agent", email)
    async with new_context(browser, viewport=LAPTOP) as ctx:
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        await expect(
            inbox.page.get_by_role("list", name="Team").get_by_role("listitem")
        ).to_have_count(3)
        await expect(inbox.page.get_by_role("checkbox", name="Sound")).to_be_visible()
        tops = await inbox.page.eval_on_selector_all(
            "header.top > :not([hidden])", "els => els.map(e => e.getBoundingClientRect().top)"
        )
        height = await header_height(inbox)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-header-1280.png"))
        assert max(tops) - min(tops) < 20, tops  # one row
        assert height <= 56, height
    async with new_context(browser, viewport=PHONE) as ctx:
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        await expect(inbox.page.get_by_role("checkbox", name="Sound")).to_be_visible()
        height = await header_height(inbox)
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-header-375.png"))
        assert height <= 64, height
        # What scrolls sideways is the header, never the page.
        assert await inbox.page.evaluate("document.documentElement.scrollWidth") <= 375


async def test_anonymous_visitors_are_told_apart_and_have_a_contact_page(
    hub: HubServer, browser: Any
) -> None:
    """Every anonymous visitor was "Visitor". Now each has a friendly name stable for its
    contact, their place and local time (from the widget's time zone) in the list and the
    conversation's header. The contact details start closed (remembered when opened), so an
    800 px laptop shows the messages; the contact page edits the contact and lists their
    conversations, opening one from there."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(
            browser, viewport={"width": 1000, "height": 720}, timezone_id="Europe/Madrid"
        ) as v,
        new_context(browser, viewport=LAPTOP) as a,
    ):
        widget = WidgetPage(await v.new_page())
        await widget.page.goto(site)
        await widget.open()
        for i in range(10):
            await widget.say(f"Hello number {i}")
        other = await Widget.open(hub.ws, company.widget_key, timezone="Asia/Tokyo")
        await other.say("Konnichiwa")

        inbox = InboxPage(await a.new_page())
        await inbox.goto(hub.http, company.agent_token)
        items = inbox.list.locator(".conv")
        await expect(items).to_have_count(2)
        item = items.filter(has_text="Madrid")
        await expect(item.locator(".place")).to_contain_text("local time")
        name = await item.locator(".name").text_content()
        tokyo = await items.filter(has_text="Tokyo").locator(".name").text_content()
        assert name and tokyo and "Visitor" not in (name + tokyo), (name, tokyo)
        assert name != tokyo
        await item.click()
        await expect(inbox.message("Hello number 9")).to_be_visible()
        await expect(inbox.page.locator("#view-title")).to_have_text(f"{name} · widget")
        await expect(inbox.page.locator("#view-place")).to_contain_text("Madrid")

        # The details are closed: the messages have the room.
        details = inbox.page.locator("#context")
        assert await details.evaluate("d => d.open") is False
        log_box = await inbox.log.bounding_box()
        assert log_box is not None and log_box["height"] >= 450, log_box
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-visitor-name.png"))
        await details.locator("summary").click()
        await inbox.page.reload()
        await inbox.list.locator(".conv").filter(has_text="Madrid").click()
        await expect(inbox.message("Hello number 9")).to_be_visible()
        assert await details.evaluate("d => d.open") is True  # remembered
        await details.locator("summary").click()

        # The contact page: edit, then open the conversation from its list.
        await inbox.button("Contact page").click()
        page = inbox.page.locator("#contact-page")
        await expect(page.get_by_role("heading", name=name)).to_be_focused()
        await expect(page).to_contain_text("Madrid")
        past = page.get_by_role("list", name="Conversations (1)").get_by_role("button")
        await expect(past).to_have_count(1)
        await expect(past).to_contain_text("Hello number 9")
        await page.get_by_label("Name").fill("Dana Scully")
        await page.get_by_label("Email").fill("dana@fbi.example")
        await page.get_by_role("button", name="Save contact").click()
        await expect(page.get_by_role("status")).to_have_text("Saved.")
        await expect(page.get_by_role("heading", name="Dana Scully")).to_be_visible()
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-contact-page.png"))
        await past.click()
        await expect(page).to_be_hidden()
        await expect(inbox.page.locator("#view-title")).to_have_text("Dana Scully · widget")
        await expect(
            inbox.list.locator(".conv .name").filter(has_text="Dana Scully")
        ).to_have_count(1)
        await other.close()


async def test_a_visitor_who_comes_back_is_asked_and_a_star_alone_rates(
    hub: HubServer, browser: Any
) -> None:
    """Resolved while the visitor was away: coming back, the launcher counts the question,
    the panel says the conversation was resolved and asks; a star alone sends the rating (it
    waited for "Send rating", so a star alone was never sent)."""
    company = await hub.company("Acme Solar")
    agent = await Agent.open(hub.ws, company.agent_token)
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)
        await widget.open()
        await widget.say("Please cancel my order")
        await widget.page.close()  # the visitor leaves
        updated = await agent.expect("conversation.updated")
        cid = updated["conversation"]["id"]
        await agent.send(
            {"type": "conversation.status", "conversation_id": cid, "status": "resolved"}
        )
        await agent.expect("conversation.resolved")

        widget = WidgetPage(await ctx.new_page())  # days later: the same browser
        await widget.page.goto(site)
        await expect(widget.launcher).to_have_attribute("aria-label", re.compile(r"1 unread"))
        await widget.open()
        page = widget.page
        await expect(page.get_by_text("This conversation was resolved.")).to_be_visible()
        await expect(page.get_by_text("How was this conversation?")).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "widget-resolved-rating.png"))
        await page.get_by_role("button", name="5 of 5: Great").click()
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
        rated = await agent.expect("conversation.rated")
        assert rated["rating"]["score"] == 5 and rated["rating"]["comment"] is None
        # Then the comment box: it adds to that same rating (issue 19), and gives way.
        box = page.get_by_role("textbox", name="Add a comment (optional)")
        await expect(box).to_be_focused()  # the star that had the focus is gone
        # The visitor leaves without a comment; coming back, the box is offered again.
        await page.reload()
        await widget.open()
        await expect(page.get_by_text("This conversation was resolved.")).to_be_visible()
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
        await expect(page.get_by_text("How was this conversation?")).to_be_hidden()
        await box.fill("Cancelled within the hour")
        await page.screenshot(path=str(ARTIFACTS / "widget-rating-comment.png"))
        await page.get_by_role("button", name="Send comment").click()
        commented = await agent.expect("conversation.rated")
        assert commented["rating"] == {**rated["rating"], "comment": "Cancelled within the hour"}
        await expect(box).to_be_hidden()
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
        # Coming back again: resolved still said, nothing more asked or offered.
        await page.reload()
        await widget.open()
        await expect(page.get_by_text("This conversation was resolved.")).to_be_visible()
        await expect(page.get_by_text("How was this conversation?")).to_be_hidden()
        await expect(box).to_be_hidden()
    async with hub.hub.db.read() as conn:
        assert await repo.count_rows(conn, repo.ratings) == 1  # one rating, commented
    await agent.close()
