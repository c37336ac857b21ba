"""The account pages and Settings → Account in real headless Chromium, mail read from a real
local SMTP server: sign-up, verification into the inbox, sign-out and sign-in, forgot and
reset, and signing out everywhere else. Screenshots go to tests/artifacts/account-*.png."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from playwright.async_api import Page

from hub.settings import Secret
from tests.conftest import make_settings
from tests.support.browser import ARTIFACTS, expect, new_context
from tests.support.server import HubServer, start_hub
from tests.support.smtp import Inbox, smtp_server

pytestmark = pytest.mark.usefixtures("needs_chromium")

PASSWORD = "correct horse battery"


@dataclass
class Site:
    server: HubServer
    mail: Inbox

    def link(self, mail: EmailMessage, page: str) -> str:
        """The mail's link to `page`, on this test's hub (PUBLIC_URL is another port)."""
        body = mail.get_body(("plain",))
        assert isinstance(body, EmailMessage)
        found = re.search(rf"/{page}#token=\S+", str(body.get_content()))
        assert found
        return self.server.http + found.group(0)


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    async with smtp_server() as (url, inbox):  # noqa: SIM117 (the hub needs the url)
        async with start_hub(make_settings(sqlite_url, smtp_url=Secret(url))) as server:
            yield Site(server, inbox)


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"account-{name}.png"), full_page=True)


async def sign_up(site: Site, page: Page) -> None:
    """From the landing page to the inbox: the form, the mail, the verification link."""
    await page.goto(site.server.http + "/")
    await shot(page, "landing")
    await page.get_by_role("link", name="Sign up").click()
    await page.get_by_label("Company name").fill("Acme Solar")
    await page.get_by_label("Your name").fill("Ada Owner")
    await page.get_by_label("Email").fill("ada@acme.example")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("status")).to_contain_text("Check your email")
    await shot(page, "signup")
    mails = await site.mail.wait(1)
    await page.goto(site.link(mails[-1], "verify"))
    await page.wait_for_url("**/inbox")
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")


async def test_sign_up_verify_sign_out_and_sign_in(site: Site, browser: Any) -> None:
    async with new_context(browser, viewport={"width": 1200, "height": 800}) as ctx:
        page = await ctx.new_page()
        await sign_up(site, page)
        await page.get_by_role("button", name="Sign out").click()
        await page.wait_for_url("**/login")
        await page.goto(site.server.http + "/inbox")  # the cookie is gone: back to sign-in
        await page.wait_for_url("**/login")
        await page.get_by_label("Email").fill("ada@acme.example")
        await page.get_by_label("Password").fill("not the password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("status")).to_have_text("Wrong email or password.")
        await expect(page.get_by_label("Password")).to_have_value("")
        await shot(page, "login")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/inbox")
        await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
        stored = await page.evaluate("JSON.stringify(Object.keys(sessionStorage))")
        assert stored == "[]"  # no token in the page's storage


async def test_forgot_and_reset(site: Site, browser: Any) -> None:
    async with new_context(browser, viewport={"width": 1000, "height": 760}) as ctx:
        page = await ctx.new_page()
        await sign_up(site, page)
        await page.context.clear_cookies()
        await page.goto(site.server.http + "/login")
        await page.get_by_role("link", name="Forgot your password?").click()
        await page.get_by_label("Email").fill("ada@acme.example")
        await page.get_by_role("button", name="Send the link").click()
        await expect(page.get_by_role("status")).to_contain_text("is on its way")
        await shot(page, "forgot")
        mails = await site.mail.wait(2)
        await page.goto(site.link(mails[-1], "reset"))
        assert "token" not in page.url  # taken out of the address bar
        await page.get_by_label("New password", exact=True).fill("a brand new passphrase")
        await page.get_by_role("button", name="Save the password").click()
        await expect(page.get_by_role("status")).to_contain_text("Password changed")
        await shot(page, "reset")
        await page.get_by_role("link", name="Sign in").click()
        await page.get_by_label("Email").fill("ada@acme.example")
        await page.get_by_label("Password").fill("a brand new passphrase")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url("**/inbox")


async def test_account_settings_list_and_sign_out_everywhere_else(site: Site, browser: Any) -> None:
    async with (
        new_context(browser, viewport={"width": 1200, "height": 800}) as desk,
        new_context(browser) as phone_ctx,
    ):
        page = await desk.new_page()
        await sign_up(site, page)
        phone = await phone_ctx.new_page()
        await phone.goto(site.server.http + "/login")
        await phone.get_by_label("Email").fill("ada@acme.example")
        await phone.get_by_label("Password").fill(PASSWORD)
        await phone.get_by_role("button", name="Sign in").click()
        await phone.wait_for_url("**/inbox")

        await page.get_by_role("button", name="Settings", exact=True).click()
        await page.get_by_role("tab", name="Account").click()
        panel = page.get_by_role("tabpanel", name="Account")
        browsers = panel.get_by_role("table", name="Signed-in browsers")
        await expect(browsers.get_by_role("row")).to_have_count(3)  # a header and two
        await expect(browsers).to_contain_text("This browser")
        await page.screenshot(path=str(ARTIFACTS / "settings-account.png"), full_page=True)
        await panel.get_by_role("button", name="Sign out everywhere else").click()
        await expect(panel.get_by_role("status")).to_have_text("Signed out everywhere else.")
        await expect(browsers.get_by_role("row")).to_have_count(2)
        await phone.reload()
        await phone.wait_for_url("**/login")


async def test_a_bad_link_says_so_and_a_blank_form_is_not_sent(
    hub: HubServer, browser: Any
) -> None:
    async with new_context(browser, viewport={"width": 900, "height": 700}) as ctx:
        page = await ctx.new_page()
        await page.goto(hub.http + "/verify#token=not-a-real-token")
        assert "token" not in page.url  # taken out of the address bar
        await expect(page.get_by_role("heading", name="This link did not work")).to_be_visible()
        await expect(page.get_by_role("status")).to_have_text(
            "This link is used, expired or withdrawn. Ask for a new one."
        )

        await page.goto(hub.http + "/invite#token=not-a-real-token")
        await expect(page.get_by_role("status")).to_contain_text("This link is used")
        await expect(page.get_by_role("button", name="Join")).to_be_disabled()

        # Only spaces pass the browser's own `required`: the page stops them itself.
        await page.goto(hub.http + "/signup")
        await expect(page.get_by_label("Company name")).to_be_focused()
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if "/api/account/" in r.url else None)
        await page.get_by_label("Company name").fill("   ")
        await page.get_by_label("Your name").fill("Ada")
        await page.get_by_label("Email").fill("ada@acme.example")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign up").click()
        await expect(page.get_by_role("status")).to_have_text("Enter your company's name.")
        assert sent == []
