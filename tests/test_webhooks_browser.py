"""Settings → Webhooks in real headless Chromium against a hub on SQLite and a real receiver
on 127.0.0.1: an owner adds an endpoint (the secret shown once), sends a test event the
receiver gets signed, sees it delivered in the log and redelivers it, edits its events,
rotates its secret, pauses and resumes it; when the hub pauses a failing one, the inbox
alerts and the open tab shows it paused; then it is deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Dialog, Locator

from tests.conftest import make_settings
from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.server import HubServer, start_hub
from tests.test_outgoing_webhooks import FAST, receiving, verified

pytestmark = pytest.mark.usefixtures("needs_chromium")


@pytest.fixture
async def hub(sqlite_url: str) -> AsyncIterator[HubServer]:
    """A hub that may POST to 127.0.0.1, retries at once and pauses after 0.3 s of failures."""
    overrides: dict[str, Any] = {**FAST, "webhook_pause_after": 0.3}
    settings = make_settings(sqlite_url, **overrides)
    async with start_hub(settings) as server:
        yield server


async def add_endpoint(panel: Locator, url: str) -> str:
    """Fill the form (first without events: refused in the page), add it; the secret shown."""
    form = panel.get_by_role("form", name="Add a webhook endpoint")
    await form.get_by_label("Endpoint URL").fill(url)
    await form.get_by_label("Description").fill("CRM sync")
    await form.get_by_role("button", name="Add endpoint").click()
    await expect(form.get_by_role("status")).to_contain_text("Pick at least one event.")
    await form.get_by_role("checkbox", name="message.created").check()
    await form.get_by_role("checkbox", name="contact.created").check()
    await form.get_by_role("button", name="Add endpoint").click()
    await expect(panel.get_by_role("status").first).to_have_text(f"Added {url}.")
    once = panel.locator(".set-once")
    await expect(once).to_contain_text("shown only this once")
    secret = await once.locator(".set-secret").text_content()
    assert secret and secret.startswith("whsec_")
    await once.get_by_role("button", name="Copy secret").click()
    await expect(once.get_by_role("status")).to_have_text("Copied.")
    return secret


async def test_an_owner_adds_tests_and_pauses_an_endpoint(hub: HubServer, browser: Any) -> None:
    company = await hub.company("Acme")
    async with (
        receiving() as (receiver, url),
        new_context(
            browser,
            timezone_id="UTC",
            viewport={"width": 1280, "height": 1000},
            permissions=["clipboard-read", "clipboard-write"],
        ) as ctx,
    ):
        page = await ctx.new_page()
        dialogs: list[str] = []

        async def accept(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            await dialog.accept()

        page.on("dialog", accept)
        await InboxPage(page).goto(hub.http, company.agent_token)
        await page.get_by_role("button", name="Settings").click()
        await page.get_by_role("tab", name="Webhooks", exact=True).click()
        panel = page.get_by_role("tabpanel", name="Webhooks", exact=True)
        await expect(panel.get_by_text("No endpoints yet.")).to_be_visible()

        target = f"{url}/hooks"
        secret = await add_endpoint(panel, target)
        assert await page.evaluate("navigator.clipboard.readText()") == secret
        row = panel.locator(".wh-row").filter(has_text=target)
        await expect(row.locator(".wh-state")).to_have_text("Active")
        await expect(row).to_contain_text("Events: message.created, contact.created")

        await row.get_by_role("button", name="Send a test event to CRM sync").click()
        [got] = await receiver.wait_for(1)
        assert got.path == "/hooks"
        assert verified(secret, got)["type"] == "webhook.test"  # signed with the secret shown
        delivery = row.locator("tr[data-delivery-id]").first
        await expect(delivery).to_have_attribute("data-status", "delivered")
        await expect(delivery).to_contain_text("webhook.test")
        await expect(delivery).to_contain_text("Delivered")
        await expect(delivery.locator("td").nth(3)).to_have_text("200")
        await delivery.get_by_text("Response").click()
        await expect(delivery.locator("pre")).to_have_text("ok")
        await delivery.get_by_role("button", name="Redeliver webhook.test").click()
        [_, again] = await receiver.wait_for(2)
        assert again.headers["webhook-id"] == got.headers["webhook-id"]  # the same event
        delivered = row.locator('tr[data-status="delivered"]')
        await expect(delivered).to_have_count(2)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "settings-webhooks.png"), full_page=True)

        await row.get_by_role("button", name="Edit events of CRM sync").click()
        edit = row.get_by_role("form", name="Events of CRM sync")
        await edit.get_by_role("checkbox", name="contact.created").uncheck()
        await edit.get_by_role("checkbox", name="conversation.resolved").check()
        await edit.get_by_role("button", name="Save events").click()
        await expect(row).to_contain_text("Events: conversation.resolved, message.created")
        await expect(edit).to_be_hidden()

        await row.get_by_role("button", name="Rotate the secret of CRM sync").click()
        once = panel.locator(".set-once")
        await expect(once).to_contain_text("shown only this once")
        rotated = await once.locator(".set-secret").text_content()
        assert rotated and rotated.startswith("whsec_") and rotated != secret
        assert dialogs == ["Rotate the secret of CRM sync? The old one stops working at once."]

        await row.get_by_role("button", name="Pause CRM sync").click()
        await expect(row.locator(".wh-state")).to_have_text("Paused: paused by an owner")
        await row.get_by_role("button", name="Resume CRM sync").click()
        await expect(row.locator(".wh-state")).to_have_text("Active")
        assert rotated not in await page.content()  # shown once: gone after the re-read

        # The receiver breaks: the hub pauses the endpoint; the inbox says so and the open
        # tab shows it without a click.
        receiver.fail(1000, 500)
        await row.get_by_role("button", name="Send a test event to CRM sync").click()
        alert = page.get_by_role("alert").filter(has_text="was paused")
        await expect(alert).to_contain_text("Webhook CRM sync was paused")
        await expect(row.locator(".wh-state")).to_have_text(
            "Paused: every delivery failed for a day"
        )
        await expect(row.locator(".wh-failing")).to_contain_text("Failing since")

        await row.get_by_role("button", name="Delete CRM sync").click()
        await expect(panel.get_by_text("No endpoints yet.")).to_be_visible()
        assert dialogs[-1].startswith("Delete the endpoint CRM sync?")
