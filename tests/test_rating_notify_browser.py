"""In Chromium: the visitor rates a conversation the agent resolved, and the inbox shows it
live; the inbox notifies (desktop notification, beep, title count) while in the background,
and stops when the agent switches notifications off, a choice kept by the hub.

Nothing of the hub is stubbed. The browser's own Notification and AudioContext are wrapped
by an init script only to observe them, and the tab's visibility is overridden the same way
(headless Chromium has no window to hide)."""

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
    watched_inbox,
)
from tests.support.clients import Widget
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")


async def test_the_visitor_rates_and_the_inbox_shows_it(hub: HubServer, browser: Any) -> None:
    """Also saves tests/artifacts/rating-widget.png and rating-inbox.png."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 760}) as visitor_ctx,
        new_context(browser, viewport={"width": 1200, "height": 800}) as agent_ctx,
    ):
        inbox = InboxPage(await agent_ctx.new_page())
        await inbox.goto(hub.http, company.agent_token)
        widget = WidgetPage(await visitor_ctx.new_page())
        await widget.page.goto(site)
        await widget.open()
        await widget.say("Can you fix my invoice?")

        await inbox.conversation().click()
        await expect(inbox.message("Can you fix my invoice?")).to_have_count(1)
        await inbox.reply("Done: you will get a corrected one today.")
        await inbox.button("Resolve").click()

        page = widget.page
        await expect(page.get_by_text("How was this conversation?")).to_be_visible()
        names = [f"{n} of 5" for n in range(1, 6)]
        for name in names:
            await expect(page.get_by_role("button", name=name)).to_be_visible()
        await expect(page.get_by_text("This conversation was resolved.")).to_be_visible()
        # The star alone is sent at once; the comment box that follows adds to that rating.
        comment = page.get_by_role("textbox", name="Add a comment (optional)")
        await expect(comment).to_be_hidden()
        good = page.get_by_role("button", name="4 of 5: Good")
        await good.click()
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
        await expect(good).to_be_hidden()
        context = inbox.page.locator("#context-list")
        await expect(context).to_contain_text("4/5")
        await comment.fill("Fast and friendly")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "rating-widget.png"))
        await page.get_by_role("button", name="Send comment").click()
        await expect(comment).to_be_hidden()
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()

        await expect(context).to_contain_text("Fast and friendly")
        await expect(context).to_contain_text("4/5")
        await inbox.page.screenshot(path=str(ARTIFACTS / "rating-inbox.png"), full_page=True)

        # A reload keeps the thanks away: this resolution is rated.
        await page.reload()
        await widget.open()
        await expect(widget.message("Can you fix my invoice?")).to_have_count(1)
        await expect(page.get_by_text("How was this conversation?")).to_be_hidden()


async def test_background_notifications_sound_and_the_switch(hub: HubServer, browser: Any) -> None:
    """Also saves tests/artifacts/inbox-notify.png."""
    company = await hub.company("Acme Solar")
    async with watched_inbox(browser, hub.http, company.agent_token) as inbox:
        page = inbox.page
        toggle = page.get_by_role("checkbox", name="Desktop notifications")
        await expect(toggle).to_be_enabled()
        await expect(toggle).to_be_checked()  # on for a new agent
        await expect(page.get_by_role("checkbox", name="Sound")).to_be_checked()
        await page.get_by_role("heading", name="LeadOp Inbox").click()  # a gesture: audio may start
        await page.evaluate("window.__setHidden(true)")

        visitor = await Widget.open(hub.ws, company.widget_key)
        await visitor.say("Is anyone there? I need a quote.")
        await expect(page).to_have_title("(1) Inbox — LeadOp Hub")
        notes = await page.evaluate("window.__notes")
        cid = visitor.welcome["conversation_id"]
        assert notes == [
            {"title": "New conversation", "body": "Is anyone there? I need a quote.", "tag": cid}
        ]
        assert await page.evaluate("window.__beeps") == 1
        await page.screenshot(path=str(ARTIFACTS / "inbox-notify.png"))

        # Back in the tab: opening the conversation clears the count.
        await page.evaluate("window.__setHidden(false)")
        await inbox.conversation(cid).click()
        await expect(page).to_have_title("Inbox — LeadOp Hub")

        # Switched off: kept by the hub (it holds after a reload), and nothing shows.
        await toggle.uncheck()
        await _until_stored(hub, company.agent_token, notifications=False)
        await page.reload()
        await expect(toggle).to_be_enabled()
        await expect(toggle).not_to_be_checked()
        await page.evaluate("window.__setHidden(true)")
        other = await Widget.open(hub.ws, company.widget_key)
        await other.say("Hello? Second visitor here.")
        await expect(page).to_have_title("(1) Inbox — LeadOp Hub")  # counted, not notified
        assert await page.evaluate("window.__notes") == []
        assert await page.evaluate("window.__beeps") == 0  # a reload: no gesture, no audio
        await visitor.close()
        await other.close()


async def _until_stored(hub: HubServer, token: str, **want: bool) -> None:
    """GET /api/agents/me until it shows `want` (the PATCH the click sent has landed)."""
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        for _ in range(100):
            me = await http.get("/api/agents/me", headers={"Authorization": f"Bearer {token}"})
            if all(me.json()[k] == v for k, v in want.items()):
                return
        raise AssertionError(f"never stored: {want}")


async def test_the_rating_speaks_spanish(hub: HubServer, browser: Any) -> None:
    company = await hub.company("Acme Solar")
    auth = {"Authorization": f"Bearer {company.agent_token}"}
    async with httpx.AsyncClient(base_url=hub.http, timeout=10, headers=auth) as http:
        put = await http.put("/api/widget-settings", json={"language": "es"})
        assert put.status_code == 200
        async with (
            host_site(hub.http, company.widget_key) as site,
            new_context(browser) as ctx,
        ):
            widget = WidgetPage(await ctx.new_page(), log="Conversación")
            widget.launcher = widget.page.get_by_role("button", name="Abrir chat")
            widget.input = widget.page.get_by_role("textbox", name="Mensaje")
            widget.send_button = widget.page.get_by_role("button", name="Enviar", exact=True)
            await widget.page.goto(site)
            await widget.open()
            await widget.say("Hola")
            cid = (await http.get("/api/conversations")).json()["conversations"][0]["id"]
            done = await http.post(f"/api/conversations/{cid}/status", json={"status": "resolved"})
            assert done.status_code == 200
            page = widget.page
            await expect(page.get_by_text("¿Qué tal fue esta conversación?")).to_be_visible()
            await expect(page.get_by_text("Esta conversación se ha resuelto.")).to_be_visible()
            await page.get_by_role("button", name="5 de 5: Excelente").click()  # sends at once
            await expect(page.get_by_text("¡Gracias por tu opinión!")).to_be_visible()
            box = page.get_by_role("textbox", name="Añade un comentario (opcional)")
            await expect(box).to_be_visible()
            await expect(page.get_by_role("button", name="Enviar comentario")).to_be_visible()
        listed = (await http.get("/api/conversations")).json()["conversations"]
        assert listed[0]["rating"]["score"] == 5 and listed[0]["rating"]["comment"] is None


async def test_someone_elses_conversation_stays_quiet(hub: HubServer, browser: Any) -> None:
    """Notified: unassigned conversations and mine; not those assigned to a teammate."""
    company = await hub.company("Acme Solar")
    sam, _ = await hub.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    auth = {"Authorization": f"Bearer {company.agent_token}"}
    async with (
        watched_inbox(browser, hub.http, company.agent_token) as inbox,
        httpx.AsyncClient(base_url=hub.http, timeout=10, headers=auth) as http,
    ):
        await expect(inbox.page.get_by_role("checkbox", name="Sound")).to_be_enabled()
        await inbox.page.evaluate("window.__setHidden(true)")
        first = await Widget.open(hub.ws, company.widget_key)
        await first.say("First visitor")
        cid = first.welcome["conversation_id"]
        await expect(inbox.conversation(cid)).to_be_attached()
        assigned = await http.put(
            f"/api/conversations/{cid}/assignee", json={"agent_id": sam["id"]}
        )
        assert assigned.status_code == 200
        await expect(inbox.conversation(cid)).to_have_attribute("data-assignee", sam["id"])
        await first.say("First visitor again")  # Sam's now: no notification
        second = await Widget.open(hub.ws, company.widget_key)
        await second.say("Second visitor")
        await inbox.page.wait_for_function("window.__notes.length >= 2")
        notes = await inbox.page.evaluate("window.__notes.map((n) => n.body)")
        assert notes == ["First visitor", "Second visitor"]
        await first.close()
        await second.close()


async def test_a_contact_without_a_name_is_notified_by_their_email(
    hub: HubServer, browser: Any
) -> None:
    """The list shows a nameless contact by phone or email: so does the notification."""
    company = await hub.company("Acme Solar")
    async with watched_inbox(browser, hub.http, company.agent_token) as inbox:
        page = inbox.page
        await expect(page.get_by_role("checkbox", name="Desktop notifications")).to_be_enabled()
        await page.evaluate("window.__setHidden(true)")

        visitor = await Widget.open(hub.ws, company.widget_key)
        await visitor.send({"type": "profile", "name": None, "email": "zara@example.com"})
        cid = (await visitor.say("First question"))["conversation_id"]
        await expect(inbox.conversation(cid)).to_contain_text("zara@example.com")
        await visitor.say("Second question")
        await page.wait_for_function("window.__notes.length === 2")
        second = (await page.evaluate("window.__notes"))[1]
        assert second["title"] == "zara@example.com" and second["body"] == "Second question"
        await visitor.close()
