"""Attachments in real headless Chromium: a visitor attaches an image in the widget (on the
company's own origin, so over CORS) and the agent sees its thumbnail in the inbox and downloads
it; the agent attaches a PDF and the visitor sees the link and downloads it; a refused type
says why. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import (
    ARTIFACTS,
    InboxPage,
    WidgetPage,
    control_names,
    expect,
    host_site,
    new_context,
)
from tests.support.images import png
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def choose(page: Any, button: Any, name: str, mime: str, data: bytes) -> None:
    """Click the attach button and pick a file in the chooser it opens."""
    async with page.expect_file_chooser() as chooser:
        await button.click()
    await (await chooser.value).set_files({"name": name, "mimeType": mime, "buffer": data})


# The image's decoded width, once it has loaded (its blob: src is set when fetched).
LOADED = """i => i.complete && i.naturalWidth ? i.naturalWidth
  : new Promise((done) => i.addEventListener('load', () => done(i.naturalWidth)))"""


async def drawn(img: Any) -> int:
    return int(await asyncio.wait_for(img.evaluate(LOADED), 10))


async def downloaded(page: Any, link: Any) -> tuple[str, bytes]:
    async with page.expect_download() as started:
        await link.click()
    download = await started.value
    path = await download.path()
    return download.suggested_filename, await asyncio.to_thread(Path(path).read_bytes)


async def test_images_and_pdfs_go_both_ways_between_widget_and_inbox(
    hub: HubServer, browser: Any
) -> None:
    """Also saves tests/artifacts/widget-attachments.png and inbox-attachments.png."""
    image = png(64, 40, (245, 166, 35))
    company = await hub.company("Acme Solar")
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}, accept_downloads=True) as v,
        new_context(browser, viewport={"width": 1200, "height": 800}, accept_downloads=True) as a,
    ):
        inbox = InboxPage(await a.new_page())
        await inbox.goto(hub.http, company.agent_token)
        widget = WidgetPage(await v.new_page())
        await widget.page.goto(site)
        await widget.open()
        await widget.say("Here is my meter")
        attach = widget.page.get_by_role("button", name="Attach a file")
        names = [name for _, name in await control_names(widget.page)]
        assert "Attach a file" in names

        # A wrong type is refused with a reason, and nothing is sent.
        await choose(widget.page, attach, "logo.svg", "image/svg+xml", SVG)
        await expect(widget.host.get_by_role("alert")).to_contain_text("cannot be sent")
        await expect(widget.messages()).to_have_count(1)

        # The visitor's image: a thumbnail in the widget, then in the inbox.
        await choose(widget.page, attach, "meter.png", "image/png", image)
        shown = widget.messages().nth(1).get_by_role("img", name="meter.png")
        await expect(shown).to_be_visible()
        assert await drawn(shown) == 64

        await inbox.conversation().click()
        await expect(inbox.message("Here is my meter")).to_have_count(1)
        thumb = inbox.log.get_by_role("img", name="meter.png")
        await expect(thumb).to_be_visible()
        assert await drawn(thumb) == 64
        name, data = await downloaded(inbox.page, inbox.log.locator("a.attachment.upload"))
        assert (name, data) == ("meter.png", image)

        # The agent's PDF: a link with its name and size in the widget, downloaded whole.
        agent_attach = inbox.page.get_by_role("button", name="Attach a file")
        await choose(inbox.page, agent_attach, "quote.pdf", "application/pdf", PDF)
        link = widget.host.get_by_role("link", name="Download quote.pdf")
        await expect(link).to_have_text(f"quote.pdf ({len(PDF)} B)")
        await expect(link.locator("xpath=ancestor::*[@data-sender][1]")).to_have_attribute(
            "data-sender", "agent"
        )
        name, data = await downloaded(widget.page, link)
        assert (name, data) == ("quote.pdf", PDF)
        await expect(inbox.log.get_by_role("link", name="Download quote.pdf")).to_have_count(1)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await widget.page.screenshot(path=str(ARTIFACTS / "widget-attachments.png"))
        await inbox.page.screenshot(path=str(ARTIFACTS / "inbox-attachments.png"), full_page=True)
    assert (ARTIFACTS / "widget-attachments.png").stat().st_size > 0
    assert (ARTIFACTS / "inbox-attachments.png").stat().st_size > 0


async def test_a_signed_in_visitor_attaches_and_sees_an_image(hub: HubServer, browser: Any) -> None:
    """The widget proves its signed-in user on every file request (the hub refuses the bare
    session id of one), with an id that is not ASCII, over CORS."""
    image = png(48, 30, (35, 120, 245))
    company = await hub.company("Acme Solar")
    async with httpx.AsyncClient(base_url=hub.http, timeout=10) as http:
        made = await http.post(
            "/api/widget-settings/secret",
            headers={"Authorization": f"Bearer {company.agent_token}"},
        )
    secret = made.json()["secret"]
    user = "José"
    user_hash = hmac.new(secret.encode(), user.encode(), hashlib.sha256).hexdigest()
    attrs = {"data-user-id": user, "data-user-hash": user_hash}
    async with (
        host_site(hub.http, company.widget_key, attrs=attrs) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}) as v,
    ):
        widget = WidgetPage(await v.new_page())
        await widget.page.goto(site)
        await widget.open()
        await widget.say("Signed in, with a photo")
        attach = widget.page.get_by_role("button", name="Attach a file")
        await choose(widget.page, attach, "roof.png", "image/png", image)
        shown = widget.messages().nth(1).get_by_role("img", name="roof.png")
        await expect(shown).to_be_visible()
        assert await drawn(shown) == 48
