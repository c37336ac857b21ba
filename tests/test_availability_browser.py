"""The widget's online / away states and its email ask, and the inbox's business-hours
screen, in real headless Chromium. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.browser import (
    ARTIFACTS,
    InboxPage,
    WidgetPage,
    expect,
    host_site,
    new_context,
)
from tests.support.clients import Agent
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")

EVERY_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def put_hours(server: HubServer, token: str, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.put(
            "/api/business-hours", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text


async def test_the_widget_shows_online_then_away_and_asks_for_an_email(
    hub: HubServer, browser: Any
) -> None:
    """Also saves tests/artifacts/widget-online.png and widget-away-ask.png."""
    company = await hub.company("Oak & Co")
    hours = {"timezone": "Europe/Madrid", "schedule": EVERY_DAY, "reply_minutes": 10}
    await put_hours(hub, company.agent_token, hours)
    agent = await Agent.open(hub.ws, company.agent_token)
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 900, "height": 700}) as ctx,
    ):
        page = await ctx.new_page()
        widget = WidgetPage(page)
        await page.goto(site)
        await widget.open()
        await expect(widget.status).to_have_text("Online — we usually reply in 10 minutes")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "widget-online.png"))

        await agent.send({"type": "presence.set", "status": "away"})  # the last one there
        await expect(widget.status).to_have_text("Away — we'll reply by email")
        ask = page.get_by_role("textbox", name="Email")
        await expect(ask).to_be_hidden()  # asked once the visitor has written
        await widget.say("Can you deliver 40 chairs to Zaragoza?")
        await expect(ask).to_be_visible()
        await page.screenshot(path=str(ARTIFACTS / "widget-away-ask.png"))
        await ask.fill("ana@example.com")
        await page.get_by_role("button", name="Email me the answer").click()
        note = page.get_by_text("Thanks! We'll email our answer to ana@example.com.")
        await expect(note).to_be_visible()
        await expect(ask).to_be_hidden()
        updated = await agent.expect("conversation.updated")
        while updated["conversation"]["contact"].get("email") != "ana@example.com":
            updated = await agent.expect("conversation.updated")
        await page.screenshot(path=str(ARTIFACTS / "widget-away-asked.png"))

        await agent.send({"type": "presence.set", "status": "online"})  # back
        await expect(widget.status).to_have_text("Online — we usually reply in 10 minutes")
        await expect(note).to_be_hidden()
    await agent.close()


async def test_the_business_hours_screen_saves_what_the_widget_then_follows(
    hub: HubServer, browser: Any
) -> None:
    """Settings → Business hours writes the hours and the AI's off-hours switch; a bad
    entry is refused with its reason and changes nothing. Saves settings-hours.png."""
    company = await hub.company("Acme", ai=True)
    async with new_context(
        browser, timezone_id="Europe/Madrid", viewport={"width": 1280, "height": 1100}
    ) as ctx:
        page = await ctx.new_page()
        await InboxPage(page).goto(hub.http, company.agent_token)
        await page.get_by_role("button", name="Settings").click()
        await page.get_by_role("tab", name="Business hours", exact=True).click()
        panel = page.get_by_role("tabpanel", name="Business hours", exact=True)
        await expect(panel).not_to_have_attribute("aria-busy", "true")
        zone = panel.get_by_label("Time zone")
        await expect(zone).to_have_value("Europe/Madrid")  # the browser's, until saved
        await expect(panel.get_by_label("Sunday")).to_have_value("00:00-24:00")

        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
            await panel.get_by_label(day).fill("09:00-14:00, 15:00-18:00")
        for day in ("Saturday", "Sunday"):
            await panel.get_by_label(day).fill("")
        await panel.get_by_label("Holidays (one date a line, YYYY-MM-DD)").fill("2026-12-25")
        await panel.get_by_label("We usually reply within (minutes)").fill("30")
        await panel.get_by_label("Away message (when nobody is there)").fill("Back at 9.")
        await panel.get_by_label("The AI answers outside business hours").uncheck()
        await panel.get_by_role("button", name="Save").click()
        await expect(panel.get_by_role("status").last).to_have_text("Saved.")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "settings-hours.png"), full_page=True)

        hours = await hub.hub.business_hours.get(company.company_id)
        view = hours.view()
        assert view["timezone"] == "Europe/Madrid"
        assert view["schedule"]["mon"] == [["09:00", "14:00"], ["15:00", "18:00"]]
        assert view["schedule"]["sun"] == [] and view["holidays"] == ["2026-12-25"]
        assert view["reply_minutes"] == 30 and view["away_message"] == "Back at 9."
        config = await hub.hub.knowledge.ai_config(company.company_id)
        assert config.answer_off_hours is False and config.enabled is True

        await zone.fill("Mars/Olympus")
        await panel.get_by_role("button", name="Save").click()
        await expect(panel.get_by_role("status").last).to_contain_text("unknown time zone")
        assert (await hub.hub.business_hours.get(company.company_id)).view() == view
