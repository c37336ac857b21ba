"""In Chromium: defects found using the product as an owner, an agent and a visitor would,
where the features built for issue 14 meet each other. Each test failed before its fix.

Nothing of the hub is stubbed; the browser's Notification is wrapped by an init script only to
observe it and to click it (headless Chromium shows no notification to click)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from hub.workspace.companies import CreatedCompany, demo_company
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
from tests.support.seeding import Seeder
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")

PHONE = {"width": 375, "height": 740}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def widget_settings(hub: HubServer, token: str, **fields: object) -> None:
    """PUT /api/widget-settings as the owner of `token` (omitted fields take defaults)."""
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        response = await http.put("/api/widget-settings", json=fields, headers=auth(token))
    assert response.status_code == 200, response.text


async def test_a_left_widget_fills_a_phone_screen(hub: HubServer, browser: Any) -> None:
    """At 375 px the open panel covers the screen whichever corner the company chose; on the
    left it used to keep its 20 px desktop offset and run off the right edge."""
    company = await hub.company("Acme Solar")
    await widget_settings(hub, company.agent_token, position="left")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport=PHONE) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)
        await expect(widget.host).to_have_attribute("data-pos", "left")
        await widget.open()
        box = await widget.page.get_by_role("dialog", name="Chat").bounding_box()
        assert box is not None
        assert (box["x"], box["width"]) == (0, PHONE["width"])
        await expect(widget.send_button).to_be_in_viewport(ratio=1)
        await widget.page.screenshot(path=str(ARTIFACTS / "pass-widget-left-375.png"))


async def test_a_notification_opens_its_conversation_from_settings(
    hub: HubServer, browser: Any
) -> None:
    """An owner in the settings view clicks a desktop notification: the settings close and the
    conversation shows. It used to open behind the settings, which hide the inbox."""
    company = await hub.company("Acme Solar")
    async with watched_inbox(browser, hub.http, company.agent_token) as inbox:
        page = inbox.page
        await expect(page.get_by_role("checkbox", name="Desktop notifications")).to_be_checked()
        await page.evaluate("window.__setHidden(true)")
        await page.get_by_role("button", name="Settings", exact=True).click()
        await expect(page.get_by_role("heading", name="Settings")).to_be_visible()

        visitor = await Widget.open(hub.ws, company.widget_key)
        await visitor.say("Do you install on flat roofs?")
        await page.wait_for_function("window.__notes.length === 1")
        await page.evaluate("window.__notifications[0].onclick()")

        await expect(page.get_by_role("heading", name="Settings")).to_be_hidden()
        await expect(inbox.message("Do you install on flat roofs?")).to_be_visible()
        await expect(page.get_by_role("button", name="Settings", exact=True)).to_have_attribute(
            "aria-expanded", "false"
        )
        await visitor.close()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


async def send_file(hub: HubServer, key: str, visitor: Widget, name: str, data: bytes) -> None:
    """The widget's way: upload the file over HTTP, then a message carrying it, no text."""
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        response = await http.post(
            "/api/widget/attachments",
            params={"key": key, "name": name},
            content=data,
            headers=auth(visitor.welcome["session_id"]),
        )
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]["id"]
    frame = {"type": "message.send", "client_id": name, "text": "", "attachments": [attachment]}
    await visitor.send(frame)
    await visitor.expect("message.created")


async def test_a_file_alone_is_named_in_notifications_and_contacts(
    hub: HubServer, browser: Any
) -> None:
    """A visitor sends only an image. The notification names it as the list does (it said
    "[file]"), and the Contacts view shows an attachment (it said "No messages yet")."""
    company = await hub.company("Acme Solar")
    async with watched_inbox(browser, hub.http, company.agent_token) as inbox:
        page = inbox.page
        await expect(page.get_by_role("checkbox", name="Desktop notifications")).to_be_checked()
        await page.evaluate("window.__setHidden(true)")

        visitor = await Widget.open(hub.ws, company.widget_key)
        await visitor.say("Here is my roof")
        await send_file(hub, company.widget_key, visitor, "roof.png", PNG)
        await page.wait_for_function("window.__notes.length === 2")
        assert await page.evaluate("window.__notes[1].body") == "[roof.png]"
        await expect(inbox.conversation().locator(".preview")).to_have_text("[roof.png]")

        await page.get_by_role("group", name="Show").get_by_role("button", name="Contacts").click()
        contact = page.get_by_role("list", name="Contact list").get_by_role("button")
        await expect(contact.locator(".preview")).to_have_text("[attachment]")
        await page.screenshot(path=str(ARTIFACTS / "pass-inbox-contacts.png"))
        await visitor.close()


async def resolve_only_conversation(hub: HubServer, token: str) -> str:
    """The agent resolves the company's one open conversation (POST .../status)."""
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        listed = await http.get(
            "/api/conversations", params={"status": "open"}, headers=auth(token)
        )
        (conversation,) = listed.json()["conversations"]
        path = f"/api/conversations/{conversation['id']}/status"
        resolved = await http.post(path, json={"status": "resolved"}, headers=auth(token))
    assert resolved.status_code == 200, resolved.text
    return str(conversation["id"])


@asynccontextmanager
async def asked_to_rate(
    hub: HubServer, browser: Any, company: CreatedCompany, text: str
) -> AsyncIterator[tuple[WidgetPage, str]]:
    """A visitor's widget on a host page says `text`, the agent resolves the conversation,
    and the widget asks for a rating: yields the widget and the conversation's id."""
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 760}) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        await widget.page.goto(site)
        await widget.open()
        await widget.say(text)
        yield widget, await resolve_only_conversation(hub, company.agent_token)


async def test_sending_a_file_takes_the_rating_question_away(hub: HubServer, browser: Any) -> None:
    """Writing hides the rating question (the conversation reopens); a file reopens it too but
    left the question up, and the rating it invited was then refused (`not_pending`)."""
    company = await hub.company("Acme Solar")
    async with asked_to_rate(hub, browser, company, "My panel is making a noise") as (widget, _):
        page = widget.page
        question = page.get_by_text("How was this conversation?")
        await expect(question).to_be_visible()

        async with page.expect_file_chooser() as chooser:
            await page.get_by_role("button", name="Attach a file").click()
        await (await chooser.value).set_files(
            {"name": "noise.png", "mimeType": "image/png", "buffer": PNG}
        )
        await expect(widget.messages()).to_have_count(2)
        await expect(question).to_be_hidden()
        await expect(page.get_by_role("button", name="5 of 5: Great")).to_be_hidden()


async def test_on_a_phone_the_messages_keep_the_screen(hub: HubServer, browser: Any) -> None:
    """At 375 x 740 the header (counters, team, notification switches) took a quarter of the
    screen above an open conversation, leaving its messages about 120 px. While one is open
    the header keeps only presence, connection and its buttons; the rest is back in the list."""
    company = await hub.company("Acme Solar")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("Can I get a quote for a terrace?")
    async with new_context(browser, viewport={"width": 375, "height": 740}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        await inbox.conversation().click()
        await expect(inbox.message("Can I get a quote for a terrace?")).to_be_visible()
        await expect(inbox.visits).to_be_hidden()
        await expect(page.get_by_role("checkbox", name="Sound")).to_be_hidden()
        await expect(page.get_by_role("combobox", name="Your presence")).to_be_visible()
        box = await inbox.log.bounding_box()
        assert box is not None and box["height"] >= 200, box
        await expect(inbox.reply_box).to_be_in_viewport(ratio=1)
        await page.screenshot(path=str(ARTIFACTS / "pass-inbox-375.png"))

        await page.get_by_role("button", name="← Conversations").click()
        await expect(inbox.visits).to_be_visible()
        await expect(page.get_by_role("checkbox", name="Sound")).to_be_visible()
    await visitor.close()


async def test_the_demo_page_loads_without_a_console_error(hub: HubServer, browser: Any) -> None:
    """The first page a new user opens (`hub serve --demo`'s /demo) logged a 404 for
    /favicon.ico in the console; the inbox already declared an empty icon."""
    await demo_company(hub.hub.db, hub.settings)
    async with new_context(browser, viewport={"width": 1280, "height": 800}) as ctx:
        page = await ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        failed: list[str] = []
        page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
        widget = WidgetPage(page)
        await page.goto(f"{hub.http}/demo")
        await widget.open()
        await widget.online()
        await widget.say("Do you install in two days?")
        await expect(widget.messages()).to_have_count(2)  # the demo's AI answers
        assert (errors, failed) == ([], [])


async def test_back_from_a_search_result_returns_to_it(hub: HubServer, browser: Any) -> None:
    """On a phone, a keyboard user opens a conversation from the search results and goes back:
    the focus is on that result again. It fell to the page's body (Back looked for the
    conversation in the list, which the results hide)."""
    company = await hub.company("Acme Solar")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("Shipping to Zaragoza, please")
    async with new_context(browser, viewport={"width": 375, "height": 740}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        await page.get_by_role("searchbox", name="Search messages and contacts").fill("zarag")
        result = page.get_by_role("list", name="Matching messages").get_by_role("button")
        await expect(result).to_have_count(1)
        # Named as the matching contacts name it (the message said "widget", raw).
        await expect(result.locator(".channel")).to_have_text("Chat")
        await result.focus()
        await page.keyboard.press("Enter")
        await expect(inbox.message("Shipping to Zaragoza, please")).to_be_visible()

        await page.get_by_role("button", name="← Conversations").focus()
        await page.keyboard.press("Enter")
        await expect(result).to_be_focused()
    await visitor.close()


async def test_an_agent_reopening_takes_the_rating_question_away(
    hub: HubServer, browser: Any
) -> None:
    """An agent resolves, then reopens: the widget stops asking (`rating.withdrawn`). It kept
    asking, and the rating the visitor then sent was refused (`not_pending`) without a word."""
    company = await hub.company("Acme Solar")
    asked = asked_to_rate(hub, browser, company, "Is my order on its way?")
    async with asked as (widget, conversation_id):
        page = widget.page
        question = page.get_by_text("How was this conversation?")
        await expect(question).to_be_visible()

        async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
            reopened = await http.post(
                f"/api/conversations/{conversation_id}/status",
                json={"status": "open"},
                headers=auth(company.agent_token),
            )
        assert reopened.status_code == 200, reopened.text
        await expect(question).to_be_hidden()
        await expect(page.get_by_role("button", name="5 of 5: Great")).to_be_hidden()
        await page.screenshot(path=str(ARTIFACTS / "pass-widget-reopened.png"))


async def test_back_from_settings_returns_focus_to_the_entry(hub: HubServer, browser: Any) -> None:
    """A keyboard user leaves the settings with "← Back to inbox": the focus is on Settings,
    where they came in. The button they pressed was hidden under them, leaving the body."""
    company = await hub.company("Acme Solar")
    async with new_context(browser, viewport={"width": 1280, "height": 800}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        entry = page.get_by_role("button", name="Settings", exact=True)
        await entry.focus()
        await page.keyboard.press("Enter")
        back = page.get_by_role("button", name="← Back to inbox")
        await back.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#settings")).to_be_hidden()
        await expect(entry).to_be_focused()
        await expect(entry).to_have_attribute("aria-expanded", "false")


async def test_the_title_counts_the_open_conversation_while_away(
    hub: HubServer, browser: Any
) -> None:
    """The agent leaves the tab with a conversation open and the visitor writes in it: the
    notification came, but the title stayed "Inbox — LeadOp Hub". Now it says (1) until
    the agent is back in the tab."""
    company = await hub.company("Acme Solar")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("Hello, anyone?")
    async with watched_inbox(browser, hub.http, company.agent_token) as inbox:
        page = inbox.page
        await inbox.conversation().click()
        await expect(inbox.message("Hello, anyone?")).to_be_visible()
        await expect(page).to_have_title("Inbox — LeadOp Hub")

        await page.evaluate("window.__setHidden(true)")
        await visitor.say("I will wait for an answer")
        await expect(inbox.message("I will wait for an answer")).to_be_attached()
        await expect(page).to_have_title("(1) Inbox — LeadOp Hub")

        await page.evaluate("window.__setHidden(false)")
        await expect(page).to_have_title("Inbox — LeadOp Hub")
        await expect(inbox.conversation().locator("[data-unread]")).to_have_attribute(
            "data-unread", "0"
        )
    await visitor.close()


async def test_attach_is_offered_only_where_files_can_go(hub: HubServer, browser: Any) -> None:
    """An SMS conversation offered "Attach a file", then refused the upload (`not_supported`)
    after the agent had picked one. The button shows in widget conversations only."""
    company = await hub.company("Acme Solar")
    seeder = Seeder(hub, company.company_id)
    sms = await seeder.conversation("sms", "2026-12-01T10:00:00")
    await seeder.message(sms, "sms", "contact", "2026-12-01T10:00:00")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("Hi from the website")
    chat = str(visitor.welcome["conversation_id"])
    async with new_context(browser, viewport={"width": 1200, "height": 760}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        attach = page.get_by_role("button", name="Attach a file")
        await inbox.goto(hub.http, company.agent_token)
        await inbox.conversation(sms).click()
        await expect(page.locator("#view-title")).to_contain_text("sms")
        await expect(attach).to_be_hidden()
        await inbox.conversation(chat).click()
        await expect(inbox.message("Hi from the website")).to_be_visible()
        await expect(attach).to_be_visible()
    await visitor.close()


async def test_no_file_goes_out_while_writing_a_private_note(hub: HubServer, browser: Any) -> None:
    """With "Private note" checked, "Attach a file" still sent the file to the visitor as a
    message: the agent writing for the team could send the contact a file meant for it.
    Notes carry no files, so Attach is disabled while the box is checked."""
    company = await hub.company("Acme Solar")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("What does the contract say?")
    async with new_context(browser, viewport={"width": 1200, "height": 760}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        await inbox.conversation().click()
        attach = page.get_by_role("button", name="Attach a file")
        await expect(attach).to_be_enabled()
        await page.get_by_role("checkbox", name="Private note").check()
        await expect(inbox.button("Add note")).to_be_visible()
        await expect(attach).to_be_disabled()
        await page.get_by_role("checkbox", name="Private note").uncheck()
        await expect(attach).to_be_enabled()
    await visitor.close()


async def test_the_pre_chat_form_refuses_an_email_the_hub_would(
    hub: HubServer, browser: Any
) -> None:
    """ "zara@example" passes the browser's type=email but not the hub's `profile` check: the
    form closed, the hub refused the profile in a console warning, and the inbox never got
    the name. The form now refuses it, in the widget's language, and keeps what was typed."""
    company = await hub.company("Acme Solar")
    await widget_settings(hub, company.agent_token, pre_chat_form=True, language="es")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport=PHONE) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page(), log="Conversación")
        page = widget.page
        await page.goto(site)
        await page.get_by_role("button", name="Abrir chat").click()
        email = page.get_by_role("textbox", name="Correo electrónico")
        await page.get_by_role("textbox", name="Nombre").fill("Zara")
        await email.fill("zara@example")
        await page.get_by_role("button", name="Empezar el chat").click()
        await expect(email).to_be_visible()
        message = await email.evaluate("e => e.validationMessage")
        assert message == "Escribe un correo como nombre@ejemplo.com."

        await email.fill("zara@example.com")
        await page.get_by_role("button", name="Empezar el chat").click()
        box = page.get_by_role("textbox", name="Mensaje")
        await box.fill("Hola")
        await box.press("Enter")
        await expect(widget.messages()).to_have_count(1)
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        listed = await http.get("/api/conversations", headers=auth(company.agent_token))
    (conversation,) = listed.json()["conversations"]
    assert (conversation["contact"]["name"], conversation["contact"]["email"]) == (
        "Zara",
        "zara@example.com",
    )


async def conversation_now(hub: HubServer, token: str, conversation_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        got = await http.get(f"/api/conversations/{conversation_id}", headers=auth(token))
    assert got.status_code == 200, got.text
    return dict(got.json())


async def test_arrowing_through_snooze_and_assignee_changes_nothing(
    hub: HubServer, browser: Any
) -> None:
    """A keyboard user steps through "Snooze" and "Assignee" with the arrow keys: nothing
    happens until Enter. Chromium fires `change` at each arrow on a closed select, and the
    first step snoozed the conversation (or assigned it)."""
    company = await hub.company("Acme Solar")
    visitor = await Widget.open(hub.ws, company.widget_key)
    await visitor.say("Can someone call me back?")
    cid = str(visitor.welcome["conversation_id"])
    async with new_context(browser, viewport={"width": 1200, "height": 760}) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        await inbox.conversation(cid).click()
        snooze = page.get_by_role("combobox", name="Snooze")
        assignee = page.get_by_role("combobox", name="Assignee")
        presence = page.get_by_role("combobox", name="Your presence")
        await expect(presence).to_be_enabled()
        for select in (snooze, assignee, presence):
            await select.focus()
            await page.keyboard.press("ArrowDown")
            await page.keyboard.press("Tab")  # leaving it puts the value back
        await expect(snooze).to_have_value("")
        await expect(assignee).to_have_value("")
        await expect(presence).to_have_value("online")
        # A note goes over the same socket after them: once it is back, they were handled.
        await page.get_by_role("checkbox", name="Private note").check()
        await inbox.reply_box.fill("Call after 5")
        await inbox.button("Add note").click()
        await expect(inbox.note("Call after 5")).to_be_visible()
        now = await conversation_now(hub, company.agent_token, cid)
        assert (now["inbox_status"], now["assignee_id"]) == ("open", None)
        me = page.get_by_role("list", name="Team").get_by_role("listitem").filter(has_text="You")
        await expect(me).to_have_attribute("data-presence", "online")

        await snooze.focus()
        await page.keyboard.press("ArrowDown")
        await page.keyboard.press("Enter")  # chosen: now it acts
        await expect(page.locator("#view-status")).to_have_attribute("data-status", "snoozed")
    await visitor.close()


# WCAG's contrast ratio of an element's text colour on its background colour.
CONTRAST = """e => {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const s = getComputedStyle(e);
  const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


async def test_text_on_the_accent_is_readable_in_dark_mode(hub: HubServer, browser: Any) -> None:
    """In dark mode the accent is light blue and the danger colour light red, and the text on
    them stayed white: the pressed filters, Send reply, unread counts and Save read at 2.5:1
    ("Needs human" at 2.8:1). They now read at 4.5:1 or more."""
    company = await hub.company("Acme Solar")
    async with new_context(
        browser, viewport={"width": 1200, "height": 760}, color_scheme="dark"
    ) as ctx:
        inbox = InboxPage(await ctx.new_page())
        page = inbox.page
        await inbox.goto(hub.http, company.agent_token)
        visitor = await Widget.open(hub.ws, company.widget_key)
        await visitor.say("Hello in the dark")
        await expect(inbox.conversation().locator("[data-unread]")).to_have_text("1")
        unread = inbox.conversation().locator("[data-unread]")
        pressed = page.get_by_role("group", name="Whose").locator('[aria-pressed="true"]')
        ratios = {"unread": await unread.evaluate(CONTRAST)}
        ratios["filter"] = await pressed.evaluate(CONTRAST)
        await inbox.conversation().click()
        ratios["send"] = await inbox.send_button.evaluate(CONTRAST)
        await page.get_by_role("button", name="Settings", exact=True).click()
        save = page.get_by_role("tabpanel").get_by_role("button", name="Save").first
        ratios["save"] = await save.evaluate(CONTRAST)
        assert min(ratios.values()) >= 4.5, ratios
    await visitor.close()


async def test_rating_by_keyboard_leaves_the_focus_in_the_message_box(
    hub: HubServer, browser: Any
) -> None:
    """A keyboard user rates with Enter on a star (which sends at once); the thanks hid that
    button under the focus, which fell out of the widget. It now lands in the comment box
    that follows the star (issue 19), and once the comment is sent, in the message box."""
    company = await hub.company("Acme Solar")
    async with asked_to_rate(hub, browser, company, "Thanks for the quote") as (widget, _):
        page = widget.page
        score = page.get_by_role("button", name="5 of 5: Great")
        await score.focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_text("Thanks for your feedback!")).to_be_visible()
        comment = page.get_by_role("textbox", name="Add a comment (optional)")
        await expect(comment).to_be_focused()
        await page.keyboard.type("Clear and quick")
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("button", name="Send comment")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(comment).to_be_hidden()
        await expect(widget.input).to_be_focused()


async def test_a_rating_question_asked_while_closed_shows_on_the_launcher(
    hub: HubServer, browser: Any
) -> None:
    """Resolved while the visitor had the panel closed: the launcher counts the question, as
    it counts a reply, until the panel is opened."""
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 760}) as ctx,
    ):
        widget = WidgetPage(await ctx.new_page())
        page = widget.page
        await page.goto(site)
        await widget.open()
        await widget.say("Can I change my delivery date?")
        await page.get_by_role("button", name="Hide chat").click()
        await resolve_only_conversation(hub, company.agent_token)
        launcher = page.get_by_role("button", name="Open chat (1 unread message)")
        await expect(launcher).to_be_visible()
        await launcher.click()
        await expect(page.get_by_text("How was this conversation?")).to_be_visible()
        await page.get_by_role("button", name="Hide chat").click()
        await expect(page.get_by_role("button", name="Open chat", exact=True)).to_be_visible()
