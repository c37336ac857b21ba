"""Real headless Chromium (Debian's package) driven by Playwright's async API, and the
pages the browser tests visit: a host page embedding the widget, and the agent inbox.

Playwright's own browser download is never used: Chromium is launched from
`CHROMIUM` with `executable_path`. Locators pierce the widget's open shadow root.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright
from playwright.async_api import expect as pw_expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.fakes.serve import serve

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"]
TIMEOUT_MS = 10_000
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pw_expect.set_options(timeout=TIMEOUT_MS)
expect = pw_expect

# Rules a careless or hostile host page might ship; the widget must survive all of them.
HOSTILE_CSS = """
* { display: none !important; }
html, body { display: block !important; }
div, span, button, input, textarea, form, section, iframe, p, a, svg, path {
  visibility: hidden !important; opacity: 0 !important; pointer-events: none !important;
  position: static !important; width: 0 !important; height: 0 !important;
  transform: scale(0) !important; font-size: 0 !important; color: transparent !important;
  z-index: -1 !important; overflow: hidden !important; filter: blur(20px) !important;
}
body > div:last-child { display: none !important; visibility: hidden !important; }
"""


def chromium_missing() -> str | None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"Chromium not found at {CHROMIUM} (Debian package `chromium`)"


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium, closed (with Playwright) on exit."""
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await playwright.stop()


@contextlib.asynccontextmanager
async def new_context(browser: Browser, **options: object) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (own localStorage), closed on exit."""
    context = await browser.new_context(**options)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        await context.close()


# -- the host page -----------------------------------------------------------------------------


def host_html(
    hub_http: str,
    widget_key: str,
    css: str = "",
    title: str = "Host page",
    attrs: dict[str, str] | None = None,
) -> str:
    """`attrs`: more attributes of the widget's tag (`data-user-id`, ...)."""
    key = html.escape(widget_key, quote=True)
    more = "".join(
        f' {name}="{html.escape(value, quote=True)}"' for name, value in (attrs or {}).items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{html.escape(title)}</title>
<style>{css}</style></head>
<body><main><h1>{html.escape(title)}</h1><p>A company page with the chat widget.</p></main>
<script src="{hub_http}/widget.js" data-key="{key}"{more} async></script>
</body></html>"""


@contextlib.asynccontextmanager
async def host_site(
    hub_http: str, widget_key: str, css: str = "", attrs: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """A company's site on its own origin (another loopback port) embedding the widget from
    the hub with the one-tag snippet; yields the page URL."""

    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(host_html(hub_http, widget_key, css, attrs=attrs))

    app = Starlette(routes=[Route("/", page)])
    async with serve(app, lifespan="off") as base:
        yield base + "/"


# -- the widget, seen from the page ------------------------------------------------------------


class WidgetPage:
    """The widget inside `page`'s host element (an open shadow root)."""

    def __init__(self, page: Page, log: str = "Conversation") -> None:
        """`log`: the message list's name in the widget's language."""
        self.page = page
        self.host = page.locator("#leadop-widget-host")
        self.launcher = page.get_by_role("button", name="Open chat")
        self.input = page.get_by_role("textbox", name="Message")
        self.send_button = page.get_by_role("button", name="Send", exact=True)
        self.log = page.get_by_role("log", name=log, include_hidden=True)
        self.status = self.host.locator("[data-state]")

    def messages(self) -> Locator:
        """Stored messages (with a seq), in order."""
        return self.log.locator("[data-seq]:not([data-seq=''])")

    def message(self, text: str) -> Locator:
        return self.messages().filter(has_text=text)

    async def texts(self) -> list[str]:
        """The text of each stored message, in order (without its sender and time)."""
        return await self.messages().locator("[data-part=text]").all_text_contents()

    async def open(self) -> None:
        await expect(self.launcher).to_be_visible()
        await self.launcher.click()
        await expect(self.input).to_be_visible()

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.send_button.click()
        await expect(self.message(text)).to_have_count(1)

    async def online(self) -> None:
        await expect(self.status).to_have_attribute("data-state", "online")


async def control_names(page: Page) -> list[tuple[str, str]]:
    """(role, accessible name) of every control Chromium exposes on the page right now, as
    a screen reader gets them (the accessibility tree, over CDP): hidden ones are left out."""
    cdp = await page.context.new_cdp_session(page)
    try:
        tree = await cdp.send("Accessibility.getFullAXTree")
    finally:
        await cdp.detach()
    controls = {"button", "textbox", "checkbox", "combobox", "link", "searchbox"}
    found = []
    for node in tree["nodes"]:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in controls:
            continue
        found.append((str(role), str(node.get("name", {}).get("value", "")).strip()))
    return found


# -- the inbox ---------------------------------------------------------------------------------


class InboxPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.list = page.get_by_role("list", name="Conversations")
        self.log = page.get_by_role("log", name="Messages")
        self.reply_box = page.get_by_role("textbox", name="Reply")
        self.send_button = page.get_by_role("button", name="Send reply")
        self.visits = page.get_by_label("Visits today", exact=True)
        self.engaged = page.get_by_label("Engaged visits today", exact=True)

    async def goto(self, hub_http: str, token: str) -> None:
        await self.page.goto(f"{hub_http}/inbox#token={token}")
        await expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()  # signed in
        await expect(self.list).to_be_attached()  # (an empty list has no size)

    def conversation(self, conversation_id: str | None = None) -> Locator:
        if conversation_id is None:
            return self.list.get_by_role("listitem").get_by_role("button").first
        return self.list.locator(f'[data-conversation-id="{conversation_id}"]')

    def message(self, text: str) -> Locator:
        return self.log.locator("[data-message-id]").filter(has_text=text)

    def note(self, text: str) -> Locator:
        """A private note in the open conversation."""
        return self.log.locator('[data-note-id][data-private="true"]').filter(has_text=text)

    def teammate(self, agent_id: str) -> Locator:
        """An agent in the team list (`data-presence`: online, away, offline)."""
        return self.page.get_by_role("list", name="Team").locator(f'[data-agent-id="{agent_id}"]')

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def status_filter(self, status: str) -> Locator:
        """The list's status filter button (its `[data-count]` holds the count)."""
        group = self.page.get_by_role("group", name="Status")
        return group.locator(f'[data-status="{status}"]')

    async def reply(self, text: str) -> None:
        await self.reply_box.fill(text)
        await self.send_button.click()
        await expect(self.message(text)).to_have_count(1)


# Records each Notification the inbox shows ({title, body, tag} in __notes, the objects in
# __notifications so a test can click one), counts the beeps its sound starts, and lets the
# test hide the tab (__setHidden): observing the browser's APIs, not replacing the hub's.
WATCHED = """
(() => {
  window.__notes = [];
  window.__notifications = [];
  window.__beeps = 0;
  const RealNotification = window.Notification;
  function Recorded(title, options) {
    window.__notes.push({ title, body: options && options.body, tag: options && options.tag });
    const n = new RealNotification(title, options);
    window.__notifications.push(n);
    return n;
  }
  Object.defineProperty(Recorded, "permission", { get: () => RealNotification.permission });
  Recorded.requestPermission = (...args) => RealNotification.requestPermission(...args);
  window.Notification = Recorded;

  const RealAudio = window.AudioContext;
  window.AudioContext = class extends RealAudio {
    createOscillator() {
      const osc = super.createOscillator();
      const start = osc.start.bind(osc);
      osc.start = (...args) => { window.__beeps += 1; return start(...args); };
      return osc;
    }
  };

  let hidden = false;
  const visibility = () => (hidden ? "hidden" : "visible");
  Object.defineProperty(document, "visibilityState", { get: visibility });
  Object.defineProperty(document, "hidden", { get: () => hidden });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})();
"""


@contextlib.asynccontextmanager
async def watched_inbox(
    browser: Browser, hub_http: str, token: str, **options: object
) -> AsyncIterator[InboxPage]:
    """The inbox signed in with `token`, notifications allowed and WATCHED, in a fresh
    profile (1200 x 760 unless `options` say otherwise)."""
    options.setdefault("viewport", {"width": 1200, "height": 760})
    async with new_context(browser, **options) as ctx:
        await ctx.grant_permissions(["notifications"], origin=hub_http)
        await ctx.add_init_script(WATCHED)
        inbox = InboxPage(await ctx.new_page())
        await inbox.goto(hub_http, token)
        yield inbox
