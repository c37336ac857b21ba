"""The inbox's search box, Contacts view, names and relative times, in real headless Chromium
against a hub on a loopback port. Saves tests/artifacts/inbox-search.png and
inbox-contacts.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.persistence import repository as repo
from hub.persistence.models import new_id, utcnow
from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.clients import Widget
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")


async def old_resolved_conversation(hub: HubServer, company_id: str) -> str:
    """Bob's SMS conversation from two days ago, resolved: outside the inbox's Open list."""
    then = utcnow() - dt.timedelta(days=2)
    async with hub.hub.db.write() as conn:
        contact_id = await repo.insert_contact(
            conn, company_id=company_id, name="Bob Brown", phone="+15551230077"
        )
        conversation_id = new_id()
        await repo.insert_conversation(
            conn,
            id=conversation_id,
            company_id=company_id,
            contact_id=contact_id,
            channel="sms",
            status="resolved",
            last_seq=1,
            updated_at=then,
        )
        await repo.insert_message(
            conn,
            company_id=company_id,
            conversation_id=conversation_id,
            seq=1,
            channel="sms",
            direction="inbound",
            sender="contact",
            text="🙂🚀 My invoice number is 4471, thanks",  # code points before the marks
            status="received",
            created_at=then,
        )
    return conversation_id


async def test_search_opens_a_match_and_contacts_list_everyone(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Search Co")
    widget = await Widget.open(hub.ws, company.widget_key)
    await widget.send({"type": "profile", "name": "Lucía Gómez", "email": "lucia@example.com"})
    said = await widget.say("Do you ship to Zaragoza next week?")
    bob = await old_resolved_conversation(hub, company.company_id)

    async with new_context(browser, viewport={"width": 1280, "height": 820}) as ctx:
        page = await ctx.new_page()
        await page.clock.install()  # time flows as usual until fast-forwarded below
        inbox = InboxPage(page)
        await inbox.goto(hub.http, company.agent_token)
        item = inbox.conversation(said["conversation_id"])
        await expect(item.locator(".name")).to_have_text("Lucía Gómez")
        await expect(item.locator(".preview")).to_have_text("Do you ship to Zaragoza next week?")
        ago = item.locator("time.ago")
        await expect(ago).to_have_text("just now")
        assert (await ago.get_attribute("datetime")) == said["created_at"]
        assert await ago.get_attribute("title")  # the absolute time

        search = inbox.page.get_by_role("searchbox", name="Search messages and contacts")
        await search.fill("zarag")  # a prefix, typed: the debounced query runs once
        hits = inbox.page.get_by_role("list", name="Matching messages").get_by_role("button")
        await expect(hits).to_have_count(1)
        await expect(hits.locator("mark")).to_have_text("Zaragoza")
        await expect(inbox.list).to_be_hidden()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-search.png"))
        await hits.click()
        await expect(inbox.page.locator("#view-title")).to_have_text("Lucía Gómez · widget")
        await expect(inbox.message("Zaragoza")).to_have_count(1)

        await search.focus()
        await search.press("Escape")  # clears the box and brings the list back
        await expect(search).to_have_value("")
        await expect(inbox.list).to_be_visible()

        # Accent-blind, and a resolved conversation outside the list opens too.
        await search.fill("INVOICE 44")
        await expect(hits).to_have_count(1)
        await expect(hits.locator("mark")).to_have_text(["invoice", "4471"])
        await hits.click()
        await expect(inbox.page.locator("#view-title")).to_have_text("Bob Brown · sms")
        await expect(inbox.message("invoice number")).to_have_count(1)
        await search.fill("")
        await search.press("Escape")

        await inbox.page.get_by_role("button", name="Contacts", exact=True).click()
        people = inbox.page.get_by_role("list", name="Contact list").get_by_role("button")
        await expect(people).to_have_count(2)
        await expect(people.locator(".name")).to_have_text(["Lucía Gómez", "Bob Brown"])
        await expect(people.nth(1).locator(".channels")).to_have_text("SMS")
        await expect(people.nth(1).locator("time.ago")).to_have_text("2 days ago")
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-contacts.png"))
        # Relative times are kept fresh: five minutes on, the clock's tick has rewritten them.
        await page.clock.fast_forward("05:00")
        await expect(people.nth(0).locator("time.ago")).to_have_text("5 min ago")
        await people.nth(1).click()
        await expect(inbox.page.locator("#view-title")).to_have_text("Bob Brown · sms")
        assert (await people.nth(1).get_attribute("data-conversation-id")) == bob
    await widget.close()
    assert (ARTIFACTS / "inbox-search.png").stat().st_size > 0
