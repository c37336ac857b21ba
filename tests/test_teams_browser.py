"""Teams and saved views in real headless Chromium against a hub on SQLite (issue 21): an owner
creates a team in Settings → Teams with a member and round robin on; assigning a conversation
to the team hands it to that member, whose open inbox shows it live with the team's name; the
member saves a view of the list's filter and sees its count follow the conversations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.clients import Widget
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")


async def test_a_team_round_robins_live_and_a_saved_view_counts(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Acme")
    sam, sam_token = await hub.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    size = {"width": 1280, "height": 900}
    async with (
        new_context(browser, timezone_id="UTC", viewport=size) as owner_ctx,
        new_context(browser, timezone_id="UTC", viewport=size) as sam_ctx,
    ):
        owner_page, sam_page = await owner_ctx.new_page(), await sam_ctx.new_page()
        owner_page.on("dialog", lambda dialog: dialog.accept())
        owner, member = InboxPage(owner_page), InboxPage(sam_page)
        await owner.goto(hub.http, company.agent_token)
        await member.goto(hub.http, sam_token)

        # Settings → Teams: a team with Sam in it, round robin on.
        await owner_page.get_by_role("button", name="Settings").click()
        await owner_page.get_by_role("tab", name="Teams", exact=True).click()
        panel = owner_page.get_by_role("tabpanel", name="Teams", exact=True)
        await expect(panel.get_by_text("No teams yet.")).to_be_visible()
        await panel.get_by_label("Team name").fill("Sales")
        await panel.get_by_role("button", name="Create team").click()
        status = panel.get_by_role("status").first
        await expect(status).to_have_text("Team Sales created.")
        row = panel.locator(".team-row").filter(has=owner_page.get_by_label("Name of Sales"))
        await row.locator(f'[data-member="{sam["id"]}"]').check()
        await expect(status).to_have_text("Sales: members changed.")
        await row.locator("[data-round-robin]").check()
        await expect(status).to_have_text("Sales: round robin on.")
        await expect(panel.locator(".team-row .set-hint")).to_have_text("Sam")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await owner_page.screenshot(path=str(ARTIFACTS / "settings-teams.png"), full_page=True)
        await owner_page.get_by_role("button", name="← Back to inbox").first.click()

        # A visitor writes; the owner gives the conversation to Sales; Sam's inbox shows it his.
        widget = await Widget.open(hub.ws, company.widget_key)
        cid = (await widget.say("I want a quote"))["conversation_id"]
        await owner.conversation(cid).click()
        await owner_page.locator("#conv-team").select_option(label="Sales")
        item = member.conversation(cid)
        await expect(item).to_have_attribute("data-assignee", sam["id"])
        await expect(item.locator(".conv-team")).to_have_text("Sales")
        await expect(item.locator(".owner")).to_contain_text("Sam")

        # Sam filters the list by the team and keeps the filter as a view, counted live.
        team_filter = sam_page.locator("#team-filter")
        team_id = await _team_id(hub, company)
        await expect(team_filter.locator(f'option[value="{team_id}"]')).to_have_text("Sales · 1")
        await team_filter.select_option(team_id)
        await expect(member.list.get_by_role("listitem")).to_have_count(1)
        await sam_page.get_by_label("Name for the current filter").fill("My sales")
        await sam_page.get_by_role("button", name="Save view").click()
        views = sam_page.locator("#saved-views")
        view = views.locator(".view-pick").filter(has_text="My sales")
        await expect(view.locator("[data-count]")).to_have_text("1")
        await expect(view).to_have_attribute("aria-pressed", "true")
        await team_filter.select_option("")
        await expect(view).to_have_attribute("aria-pressed", "false")
        await view.click()  # shows the view's filter again
        await expect(team_filter).to_have_value(team_id)
        await owner_page.locator("#conv-team").select_option(label="No team")  # it leaves the team
        await expect(view.locator("[data-count]")).to_have_text("0")
        await sam_page.screenshot(path=str(ARTIFACTS / "inbox-saved-views.png"), full_page=True)

        await views.get_by_role("button", name="Rename My sales").click()
        await views.get_by_label("New name for My sales").fill("Sales, mine")
        await views.get_by_role("button", name="Save", exact=True).click()
        await expect(views.locator(".view-pick")).to_have_text("Sales, mine 0")
        sam_page.on("dialog", lambda dialog: dialog.accept())
        await views.get_by_role("button", name="Delete Sales, mine").click()
        await expect(views.get_by_role("listitem")).to_have_count(0)
        await widget.close()


async def _team_id(hub: HubServer, company: Any) -> str:
    [team] = await hub.hub.teams.listing(company.company_id)
    return str(team["id"])
