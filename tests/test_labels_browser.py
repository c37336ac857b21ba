"""Labels and priority (issue 21) in real headless Chromium against a hub on SQLite: an owner
creates a label in Settings → Labels; an agent labels a conversation with the keyboard and
sets its priority, and the owner's inbox shows both live; the list filters by label and by
priority. Saves tests/artifacts/labels-settings.png, labels-inbox.png, labels-inbox-dark.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.clients import Widget
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")


async def test_labels_from_settings_to_a_live_filtered_inbox(hub: HubServer, browser: Any) -> None:
    company = await hub.company("Labels Co")
    _member, member_token = await hub.hub.agents.add(
        company.company_id, {"email": "sam@labels.example", "name": "Sam", "role": "agent"}
    )
    first = await Widget.open(hub.ws, company.widget_key)
    billing_cid = (await first.say("My invoice is wrong"))["conversation_id"]
    second = await Widget.open(hub.ws, company.widget_key)
    other_cid = (await second.say("Where is my parcel?"))["conversation_id"]
    size = {"width": 1280, "height": 820}
    async with (
        new_context(browser, viewport=size) as owner_ctx,
        new_context(browser, viewport=size, color_scheme="dark") as member_ctx,
    ):
        owner = InboxPage(await owner_ctx.new_page())
        await owner.goto(hub.http, company.agent_token)

        # The owner creates "billing" in Settings → Labels.
        await owner.page.get_by_role("button", name="Settings").click()
        await owner.page.get_by_role("tab", name="Labels", exact=True).click()
        panel = owner.page.get_by_role("tabpanel", name="Labels", exact=True)
        await expect(panel.get_by_text("No labels yet.")).to_be_visible()
        adding = panel.get_by_role("form", name="Add a label")
        await adding.get_by_label("Name").fill("billing")
        await adding.get_by_label("Colour").select_option(label="teal")
        await adding.get_by_label("Description").fill("Invoices and refunds")
        await adding.get_by_role("button", name="Add label").click()
        await expect(panel.get_by_role("status").first).to_have_text("Added “billing”.")
        editing = panel.get_by_role("form", name="Edit label billing")
        await expect(editing.get_by_label("Name")).to_have_value("billing")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await owner.page.screenshot(path=str(ARTIFACTS / "labels-settings.png"), full_page=True)
        await owner.page.get_by_role("button", name="← Back to inbox").click()

        # Sam (dark mode) labels the conversation with the keyboard only, and sets urgent.
        sam = InboxPage(await member_ctx.new_page())
        await sam.goto(hub.http, member_token)
        await sam.conversation(billing_cid).click()
        picker = sam.page.locator("#labels-open")
        await picker.focus()
        await picker.press("Enter")
        await expect(picker).to_have_attribute("aria-expanded", "true")
        await sam.page.keyboard.press("Tab")  # the find box
        await sam.page.keyboard.type("bill")
        await sam.page.keyboard.press("Tab")  # billing's checkbox
        await sam.page.keyboard.press("Space")
        box = sam.page.get_by_role("checkbox", name="billing")
        await expect(box).to_be_checked()
        await sam.page.keyboard.press("Escape")
        await expect(picker).to_be_focused()
        await expect(sam.page.locator("#labels-chips .chip")).to_have_text("billing")
        await sam.page.get_by_label("Priority", exact=True).select_option("urgent")

        # The owner's list shows both, live.
        item = owner.conversation(billing_cid)
        await expect(item.locator(".chip")).to_have_text("billing")
        await expect(item.locator(".priority")).to_have_text("Urgent")
        chip = sam.conversation(billing_cid).locator(".chip")
        colours = await chip.evaluate(
            "c => [getComputedStyle(c).backgroundColor, getComputedStyle(c).color]"
        )
        assert colours == ["rgb(15, 118, 110)", "rgb(255, 255, 255)"]  # teal, white text
        await sam.page.screenshot(path=str(ARTIFACTS / "labels-inbox-dark.png"))

        # Filtering: by label, by priority, and back to all.
        await expect(owner.conversation(other_cid)).to_be_visible()
        await owner.page.get_by_label("Filter by label").select_option(label="billing")
        await expect(owner.conversation(other_cid)).to_be_hidden()
        await expect(item).to_be_visible()
        await owner.page.screenshot(path=str(ARTIFACTS / "labels-inbox.png"))
        await owner.page.get_by_label("Filter by label").select_option(label="Any label")
        await owner.page.get_by_label("Filter by priority").select_option(label="No priority")
        await expect(owner.conversation(other_cid)).to_be_visible()
        await expect(item).to_be_hidden()
        await owner.page.get_by_label("Filter by priority").select_option(label="Urgent")
        await expect(item).to_be_visible()
        await expect(owner.conversation(other_cid)).to_be_hidden()

        # Sam labels the contact on its page, then finds the conversation with `label:`.
        await sam.page.get_by_role("button", name="Contact page").click()
        contact_picker = sam.page.locator("#contact-labels-open")
        await contact_picker.click()
        await (
            sam.page.locator("#contact-labels-options")
            .get_by_role("checkbox", name="billing")
            .check()
        )
        await expect(sam.page.locator("#contact-labels-chips .chip")).to_have_text("billing")
        await sam.page.get_by_label("Search messages and contacts").fill("label:billing")
        found = sam.page.get_by_role("list", name="Labelled conversations")
        await expect(found.locator(f'[data-conversation-id="{billing_cid}"]')).to_contain_text(
            "Urgent"
        )
        await expect(sam.page.locator("#search-status")).to_have_text(
            "1 conversation, 0 messages, 1 contact"
        )
    await first.close()
    await second.close()
