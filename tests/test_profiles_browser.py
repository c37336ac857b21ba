"""Profiles in real headless Chromium: the inbox names the author of every agent reply (a
teammate who joined after the page loaded too, and live when she renames herself), "Your
profile" sets the agent's own name and picture, and the widget shows name and picture.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from hub.workspace.companies import agent_token
from tests.support.browser import (
    ARTIFACTS,
    InboxPage,
    WidgetPage,
    expect,
    host_site,
    new_context,
)
from tests.support.clients import Widget
from tests.support.server import HubServer
from tests.test_profiles import png

pytestmark = pytest.mark.usefixtures("needs_chromium")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_inbox_names_a_teammate_who_joined_later_live(
    hub: HubServer, browser: Any
) -> None:
    """Also saves tests/artifacts/inbox-authors.png."""
    company = await hub.company("Acme")
    async with (
        new_context(browser, viewport={"width": 1200, "height": 760}) as ctx,
        httpx.AsyncClient(base_url=hub.http, timeout=10) as http,
    ):
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        widget = await Widget.open(hub.ws, company.widget_key)
        said = await widget.say("Can someone help me?")
        await inbox.conversation().click()
        await expect(inbox.message("Can someone help me?")).to_have_count(1)

        # Ana joins after the page loaded, sets a picture and answers.
        invited = await http.post(
            "/api/agents",
            json={"email": "ana@acme.example", "name": "Ana"},
            headers=bearer(company.agent_token),
        )
        ana_id, ana = invited.json()["agent"]["id"], invited.json()["agent_token"]
        await expect(inbox.teammate(ana_id)).to_contain_text("Ana")
        put = await http.put("/api/agents/me/avatar", content=png(), headers=bearer(ana))
        conversation = f"/api/conversations/{said['conversation_id']}/messages"
        await http.post(
            conversation, json={"text": "Ana here, happy to help."}, headers=bearer(ana)
        )

        reply = inbox.message("Ana here, happy to help.")
        await expect(reply).to_have_attribute("data-agent-id", ana_id)
        await expect(reply.locator(".who")).to_have_text("Ana")
        avatar = reply.locator("img.avatar")
        await expect(avatar).to_have_attribute("src", put.json()["avatar_url"])
        assert await avatar.evaluate("img => img.decode().then(() => img.naturalWidth)") == 8

        # She renames herself: her reply and the team follow without a reload.
        await http.patch("/api/agents/me", json={"name": "Ana Lima"}, headers=bearer(ana))
        await expect(reply.locator(".who")).to_have_text("Ana Lima")
        await expect(inbox.teammate(ana_id)).to_contain_text("Ana Lima")

        # Zoe was made where nobody announced her (`hub token`, named from her email): the
        # inbox asks who she is.
        zoe = await agent_token(hub.hub.db, hub.settings, company.company_id, "agent", "zoe@a.io")
        await http.post(conversation, json={"text": "Zoe too."}, headers=bearer(zoe))
        await expect(inbox.message("Zoe too.").locator(".who")).to_have_text("zoe")

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-authors.png"), full_page=True)
    assert (ARTIFACTS / "inbox-authors.png").stat().st_size > 0


async def test_your_profile_sets_name_and_picture(
    hub: HubServer, browser: Any, tmp_path: Any
) -> None:
    """Also saves tests/artifacts/inbox-profile.png."""
    company = await hub.company("Acme")
    picture = tmp_path / "me.png"
    picture.write_bytes(png((30, 120, 200), 32))
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    async with new_context(browser, viewport={"width": 1200, "height": 760}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        page = inbox.page
        await inbox.button("Your profile").click()
        dialog = page.get_by_role("dialog", name="Your profile")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_label("Display name")).to_be_focused()

        await dialog.get_by_label("Display name").fill("   ")
        await dialog.get_by_role("button", name="Save name").click()
        await expect(dialog.get_by_role("status")).to_contain_text("Enter a name")
        await dialog.get_by_label("Display name").fill("  Olga  ")
        await dialog.get_by_role("button", name="Save name").click()
        await expect(dialog.get_by_role("status")).to_have_text("Name saved.")

        await dialog.locator("#profile-file").set_input_files(str(text))
        await expect(dialog.get_by_role("status")).to_contain_text("not a PNG")
        await dialog.locator("#profile-file").set_input_files(str(picture))
        await expect(dialog.get_by_role("status")).to_have_text("Picture saved.")
        preview = dialog.locator("#profile-avatar")
        await expect(preview).to_have_attribute("src", re.compile(r"^/avatars/[0-9a-f]{32}\?v="))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "inbox-profile.png"))

        # The inbox is signed in by its session cookie: the page's own fetch carries it.
        me = await page.evaluate("() => fetch('/api/agents/me').then(r => r.json())")
        assert me["name"] == "Olga" and me["avatar_url"].startswith(f"/avatars/{me['id']}?v=")
        team_entry = inbox.teammate(me["id"])
        await expect(team_entry).to_contain_text("Olga (you)")
        await expect(team_entry.locator("img.avatar")).to_have_attribute("src", me["avatar_url"])

        await dialog.get_by_role("button", name="Remove picture").click()
        await expect(dialog.get_by_role("status")).to_have_text("Picture removed.")
        await expect(dialog.locator("#profile-avatar")).to_have_text("O")
        await expect(team_entry.locator("img.avatar")).to_have_count(0)
        await dialog.get_by_role("button", name="Close").click()
        await expect(dialog).to_be_hidden()
        # Opened again: the saved name, not what was typed and left unsaved.
        await inbox.button("Your profile").click()
        await dialog.get_by_label("Display name").fill("Unsaved")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await inbox.button("Your profile").click()
        await expect(dialog.get_by_label("Display name")).to_have_value("Olga")
        await expect(dialog.get_by_role("status")).to_have_text("")
    assert (ARTIFACTS / "inbox-profile.png").stat().st_size > 0


async def test_the_widget_shows_the_agents_name_and_picture(hub: HubServer, browser: Any) -> None:
    """Also saves tests/artifacts/widget-profile.png."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}) as ctx,
        httpx.AsyncClient(base_url=hub.http, timeout=10) as http,
    ):
        invited = await http.post(
            "/api/agents",
            json={"email": "ana@acme.example", "name": "Ana"},
            headers=bearer(company.agent_token),
        )
        ana = invited.json()["agent_token"]
        put = await http.put("/api/agents/me/avatar", content=png(), headers=bearer(ana))
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)  # another origin than the hub's
        await widget.open()
        await widget.say("Do you install batteries?")
        listed = await http.get("/api/conversations", headers=bearer(ana))
        cid = listed.json()["conversations"][0]["id"]
        await http.post(
            f"/api/conversations/{cid}/messages",
            json={"text": "Yes, we do: Ana here."},
            headers=bearer(ana),
        )
        reply = widget.message("Yes, we do: Ana here.")
        await expect(reply.locator("[data-part=sender]")).to_have_text("Ana")
        picture = reply.locator("[data-part=avatar]")
        await expect(picture).to_be_visible()
        await expect(picture).to_have_attribute("src", hub.http + put.json()["avatar_url"])
        assert await picture.evaluate("img => img.decode().then(() => img.naturalWidth)") == 8
        question = widget.message("Do you install batteries?")
        await expect(question.locator("[data-part=avatar]")).to_be_hidden()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await widget.page.screenshot(path=str(ARTIFACTS / "widget-profile.png"))
    assert (ARTIFACTS / "widget-profile.png").stat().st_size > 0
