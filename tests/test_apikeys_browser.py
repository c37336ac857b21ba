"""Settings → API keys in real headless Chromium against a hub on SQLite: an owner creates a
key (shown once, copied with the button), sees it listed without the key, and revokes it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Dialog

from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")


async def test_an_owner_creates_copies_lists_and_revokes_a_key(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Acme")
    async with new_context(
        browser,
        timezone_id="UTC",
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    ) as ctx:
        page = await ctx.new_page()
        dialogs: list[str] = []

        async def accept(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            await dialog.accept()

        page.on("dialog", accept)
        await InboxPage(page).goto(hub.http, company.agent_token)
        await page.get_by_role("button", name="Settings").click()
        await page.get_by_role("tab", name="API keys", exact=True).click()
        panel = page.get_by_role("tabpanel", name="API keys", exact=True)
        await expect(panel.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
        await expect(panel.get_by_text("No API keys yet.")).to_be_visible()

        await panel.get_by_label("Key name").fill("CRM sync")
        await panel.get_by_role("button", name="Create key").click()
        await expect(panel.get_by_role("status").first).to_have_text("Created “CRM sync”.")
        once = panel.locator(".set-once")
        await expect(once).to_contain_text("shown only this once")
        key = await once.locator(".set-secret").text_content()
        assert key and key.startswith("lok_")
        await once.get_by_role("button", name="Copy key").click()
        await expect(once.get_by_role("status")).to_have_text("Copied.")
        assert await page.evaluate("navigator.clipboard.readText()") == key
        row = panel.get_by_role("row").filter(has_text="CRM sync")
        await expect(row).to_contain_text(key[:12] + "…")
        await expect(row).to_contain_text("never")
        await expect(row).to_contain_text("you")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "settings-api-keys.png"), full_page=True)

        async with httpx.AsyncClient(base_url=hub.http) as http:
            used = await http.get("/api/conversations", headers={"Authorization": f"Bearer {key}"})
            assert used.status_code == 200
            # Read again: the list shows the use, and the key is nowhere on the page.
            await page.get_by_role("tab", name="Team", exact=True).click()
            await page.get_by_role("tab", name="API keys", exact=True).click()
            await expect(row).not_to_contain_text("never")
            await expect(once).to_be_hidden()
            assert key not in await page.content()

            await row.get_by_role("button", name="Revoke CRM sync").click()
            await expect(panel.get_by_role("status").first).to_have_text("Revoked “CRM sync”.")
            await expect(panel.get_by_text("No API keys yet.")).to_be_visible()
            assert dialogs and dialogs[-1].startswith("Revoke “CRM sync”?")
            gone = await http.get("/api/conversations", headers={"Authorization": f"Bearer {key}"})
            assert gone.status_code == 401
