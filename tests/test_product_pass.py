"""In Chromium: defects found using the product as an owner, an agent and a visitor would,
where the features built for issue 14 meet each other. Each test failed before its fix.

Nothing of the hub is stubbed; the browser's Notification is wrapped by an init script only to
observe it and to click it (headless Chromium shows no notification to click)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.browser import (
    ARTIFACTS,
    WidgetPage,
    expect,
    host_site,
    new_context,
)
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
