"""The onboarding walkthrough in real headless Chromium, as a new owner: it opens by itself,
the snippet copies, the preview shows the widget's launcher, a page of the company's site
ticks "installed", a signed test SMS posted by the test turns its step done live, and the
quick forms tick the rest. Screenshots go to tests/artifacts/onboarding-*.png."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Page

from hub.workspace.companies import CreatedCompany
from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    TWILIO_NUMBER,
    free_port,
    providers,
)
from tests.fakes.webhooks import inbound_sms_params, post_twilio
from tests.support.browser import ARTIFACTS, InboxPage, WidgetPage, expect, host_site, new_context
from tests.support.server import HubServer, start_hub

pytestmark = pytest.mark.usefixtures("needs_chromium")


@dataclass
class Walk:
    server: HubServer
    company: CreatedCompany
    page: Page

    def step(self, name: str) -> Any:
        return self.page.get_by_role("region", name=name, exact=True)

    def item(self, step_id: str) -> Any:
        return self.page.locator(f'.ob-checklist [data-step="{step_id}"]')

    async def pick(self, name: str) -> Any:
        checklist = self.page.get_by_role("list", name="Checklist")
        await checklist.get_by_role("button", name=name).click()
        step = self.step(name)
        await expect(step).to_be_visible()
        # The keyboard follows the pick to the step's heading.
        await expect(step.get_by_role("heading", name=name, exact=True)).to_be_focused()
        return step

    async def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"onboarding-{name}.png"), full_page=True)


@pytest.fixture
async def walk(sqlite_url: str, browser: Any) -> AsyncIterator[Walk]:
    """A new company's owner in the inbox, on a hub whose PUBLIC_URL is its own address."""
    port = free_port()
    async with providers() as fakes:
        settings = fakes.settings(sqlite_url, port)
        async with start_hub(settings, port=port) as server:
            company = await server.company("Acme", onboarding=True)
            async with new_context(
                browser,
                timezone_id="UTC",
                viewport={"width": 1280, "height": 900},
                permissions=["clipboard-read", "clipboard-write"],
            ) as ctx:
                page = await ctx.new_page()
                # Not InboxPage.goto: the walkthrough hides the conversations it waits for.
                await page.goto(f"{server.http}/inbox#token={company.agent_token}")
                yield Walk(server, company, page)


async def test_a_new_owner_walks_through_every_step(walk: Walk) -> None:
    page, base, key = walk.page, walk.server.http, walk.company.widget_key
    # It opened by itself, on the first step left, with the checklist and its badge.
    await expect(page.get_by_role("heading", name="Get started")).to_be_focused()
    opener = page.get_by_role("button", name="Get started")
    await expect(opener).to_have_text("Get started 4 left")
    await expect(page.locator(".ob-progress")).to_have_text("0 of 4 steps done")
    await expect(walk.item("sms")).to_contain_text("optional")

    profile = walk.step("Company profile")
    await expect(profile).to_be_visible()
    await expect(profile.get_by_label("Company name")).to_have_value("Acme")
    await profile.get_by_label("Website").fill("https://acme.test")
    await profile.get_by_label("What the company does").fill("Solar panels, installed in two days.")
    await profile.get_by_role("button", name="Save").click()
    await expect(profile.get_by_role("status")).to_have_text("Saved.")
    await expect(walk.item("profile")).to_have_attribute("data-done", "true")
    await expect(opener).to_have_text("Get started 3 left")
    await walk.shot("profile")

    await _widget(walk, base, key)
    await _sms(walk)
    await _knowledge(walk)

    team = await walk.pick("Invite your team")
    await team.get_by_label("Email").fill("sam@acme.test")
    await team.get_by_role("button", name="Invite").click()
    await expect(team.get_by_text("Send sam@acme.test this invitation link")).to_be_visible()
    await expect(team.locator("code")).to_contain_text("/invite#")
    await expect(walk.item("team")).to_have_attribute("data-done", "true")
    await expect(page.locator(".ob-progress")).to_have_text("4 of 4 steps done: you are all set.")
    await expect(page.locator("#onboarding-left")).to_be_hidden()
    await walk.shot("done")


async def _widget(walk: Walk, base: str, key: str) -> None:
    page = walk.page
    widget = await walk.pick("Install the chat widget")
    snippet = f'<script src="{base}/widget.js" data-key="{key}" async></script>'
    await expect(widget.get_by_role("textbox", name="Embed snippet")).to_have_value(snippet)
    await widget.get_by_role("button", name="Copy embed snippet").click()
    await expect(widget.get_by_text("Copied.")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == snippet
    # The preview frames the hub's /preview page: the company's widget, its launcher shown.
    preview = page.frame_locator('iframe[title="Widget preview"]')
    await expect(preview.get_by_role("button", name="Open chat")).to_be_visible()
    waiting = widget.locator(".ob-wait")
    await expect(waiting).to_have_text("Waiting for the first visit from your site…")
    await walk.shot("widget")
    # A page of the company's own site (another origin) embeds the snippet: installed, live.
    async with host_site(base, key) as url:
        site = await page.context.new_page()
        await site.goto(url)
        await WidgetPage(site).online()
        await expect(waiting).to_have_attribute("data-state", "done")
        await expect(waiting).to_have_text("Installed: your site has had visitors.")
        await site.close()
    await expect(walk.item("widget")).to_have_attribute("data-done", "true")


async def _sms(walk: Walk) -> None:
    page = walk.page
    sms = await walk.pick("SMS through Twilio")
    hook = sms.get_by_role("textbox", name="A message comes in (webhook)")
    await expect(hook).to_have_value(f"{walk.server.http}/webhooks/twilio/sms")
    await expect(sms.locator(".ob-wait")).to_have_text("Waiting for your Twilio account.")
    # Save the account in Settings, then come back.
    await sms.get_by_role("button", name="Open Settings → Integrations").click()
    settings = page.get_by_role("tabpanel", name="Integrations", exact=True)
    await expect(settings).to_be_visible()
    await expect(page.get_by_role("heading", name="Get started")).to_be_hidden()
    await settings.get_by_label("Account SID").fill(ACCOUNT_SID)
    await settings.get_by_label("Auth token").fill(AUTH_TOKEN)
    await settings.get_by_label("Phone number (E.164)").fill(TWILIO_NUMBER)
    await settings.get_by_role("button", name="Save Twilio SMS").click()
    await expect(settings.get_by_text("Configured.", exact=False).first).to_be_visible()
    await page.get_by_role("button", name="Get started").click()
    sms = await walk.pick("SMS through Twilio")
    waiting = sms.locator(".ob-wait")
    await expect(waiting).to_have_text("Waiting for a test message…")
    await walk.shot("sms-waiting")
    # A real signed Twilio webhook: the step turns done without a reload.
    params = inbound_sms_params(ACCOUNT_SID, CUSTOMER, TWILIO_NUMBER, "Testing the hub")
    async with httpx.AsyncClient() as http:
        url = walk.server.http + "/webhooks/twilio/sms"
        assert (await post_twilio(http, url, AUTH_TOKEN, params)).status_code == 200
    await expect(waiting).to_have_attribute("data-state", "done")
    await expect(waiting).to_have_text("Test message received.")
    await expect(walk.item("sms")).to_have_attribute("data-done", "true")
    await walk.shot("sms-done")


async def _knowledge(walk: Walk) -> None:
    ai = await walk.pick("Teach the AI")
    count = ai.locator(".ob-count")
    await expect(count).to_have_text("0 of 3 facts and Q&A pairs.")
    await ai.get_by_label("A fact the AI may use").fill("Open Monday to Friday, 9:00 to 17:00")
    await ai.get_by_role("button", name="Add fact").click()
    await expect(count).to_have_text("1 of 3 facts and Q&A pairs.")
    for question in ("Do you install on flat roofs?", "Do you offer financing?"):
        await ai.get_by_label("Question").fill(question)
        await ai.get_by_label("Answer").fill("Yes.")
        await ai.get_by_role("button", name="Add pair").click()
    await expect(count).to_have_text("3 of 3 facts and Q&A pairs.")
    await expect(walk.item("knowledge")).to_have_attribute("data-done", "true")
    await walk.shot("knowledge")


async def test_a_dismissed_walkthrough_stays_closed_until_asked_for(walk: Walk) -> None:
    page = walk.page
    await expect(page.get_by_role("heading", name="Get started")).to_be_visible()
    await page.get_by_role("button", name="Don't open this by itself").click()
    await expect(page.get_by_role("heading", name="Get started")).to_be_hidden()
    await expect(page.locator("#app")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("button", name="Get started")).to_be_visible()
    await expect(page.get_by_role("button", name="Get started")).to_have_text("Get started 4 left")
    await expect(page.get_by_role("heading", name="Get started")).to_be_hidden()  # not by itself
    await page.get_by_role("button", name="Get started").click()
    await expect(page.get_by_role("heading", name="Get started")).to_be_visible()
    await page.get_by_role("button", name="Open this by itself again").click()
    await expect(page.get_by_role("button", name="Don't open this by itself")).to_be_visible()


async def test_an_agent_gets_no_walkthrough(walk: Walk) -> None:
    _, token = await walk.server.hub.agents.add(
        walk.company.company_id, {"email": "sam@acme.test", "name": "Sam", "role": "agent"}
    )
    async with new_context(walk.page.context.browser) as ctx:  # type: ignore[arg-type]
        page = await ctx.new_page()
        await InboxPage(page).goto(walk.server.http, token)
        await expect(page.get_by_role("button", name="Get started")).to_be_hidden()
        await expect(page.locator("#app")).to_be_visible()
        await expect(page.locator("#onboarding")).to_be_hidden()
