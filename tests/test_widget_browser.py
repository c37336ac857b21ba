"""The widget visitors trust, in real headless Chromium as a new visitor sees it: the
company's look and language, the header, who said what and when, the pre-chat form, the
unread badge, signed-in users on two devices, a refused hash, and a distinct accessible name
for every control. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import httpx
import pytest

from tests.support.browser import (
    ARTIFACTS,
    WidgetPage,
    control_names,
    expect,
    host_site,
    new_context,
)
from tests.support.server import HubServer

SPANISH = {
    "greeting": "¡Hola! Somos Solar Sur, ¿te ayudamos?",
    "color": "#0a7d44",
    "text_color": "#ffffff",
    "position": "left",
    "language": "es",
    "pre_chat_form": True,
}


pytestmark = pytest.mark.usefixtures("needs_chromium")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def api(server: HubServer, method: str, path: str, token: str, **kw: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.request(method, path, headers=auth(token), **kw)
    assert response.status_code < 300, response.text
    return response.json()


async def assert_named_controls(page: Any, expected: set[str]) -> None:
    """Every control has a name, no two share one, and `expected` are among them."""
    controls = await control_names(page)
    names = [name for _, name in controls]
    assert all(names), controls
    assert len(names) == len(set(names)), controls
    assert expected <= set(names), controls


async def test_a_spanish_company_widget_with_its_form_names_times_and_badge(
    hub: HubServer, browser: Any
) -> None:
    """Also saves tests/artifacts/widget-es.png and widget-es-unread.png."""
    company = await hub.company("Solar Sur", ai=True)
    await api(hub, "PUT", "/api/widget-settings", company.agent_token, json=SPANISH)
    invited = await api(
        hub,
        "POST",
        "/api/agents",
        company.agent_token,
        json={"email": "maria@example.com", "name": "María"},
    )
    maria = invited["agent_token"]
    async with (
        host_site(hub.http, company.widget_key) as site,
        new_context(browser, viewport={"width": 1000, "height": 720}) as ctx,
    ):
        page = await ctx.new_page()
        widget = WidgetPage(page, log="Conversación")
        await page.goto(site)
        launcher = page.get_by_role("button", name="Abrir chat")
        await expect(launcher).to_be_visible()
        box = await launcher.bounding_box()
        assert box is not None and box["x"] < 200, box  # the left corner
        colour = await launcher.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colour == "rgb(10, 125, 68)"
        await assert_named_controls(page, {"Abrir chat"})

        await launcher.click()
        dialog = page.get_by_role("dialog", name="Chat")
        await expect(dialog).to_contain_text("Solar Sur")
        await expect(dialog).to_contain_text(SPANISH["greeting"])
        # Nobody is signed in, but the AI answers: never "En línea", and no away notice.
        await expect(widget.status).to_have_text("Nuestro asistente puede responderte ahora")
        # the pre-chat form comes first
        name_box = page.get_by_role("textbox", name="Nombre")
        await expect(name_box).to_be_visible()
        await expect(page.get_by_role("textbox", name="Mensaje")).to_be_hidden()
        await assert_named_controls(
            page, {"Ocultar chat", "Cerrar chat", "Nombre", "Correo electrónico", "Empezar el chat"}
        )
        await name_box.fill("Ana García")
        await page.get_by_role("textbox", name="Correo electrónico").fill("ana@example.com")
        await page.get_by_role("button", name="Empezar el chat").click()
        message_box = page.get_by_role("textbox", name="Mensaje")
        await expect(message_box).to_be_visible()
        await assert_named_controls(page, {"Ocultar chat", "Cerrar chat", "Mensaje", "Enviar"})

        await message_box.fill("¿Instaláis en Sevilla?")
        await page.get_by_role("button", name="Enviar", exact=True).click()
        mine = widget.message("¿Instaláis en Sevilla?")
        await expect(mine.locator("[data-part=sender]")).to_have_text("Tú")
        # the offline AI answers, marked as the AI
        ai = widget.log.locator("[data-seq][data-sender=ai]")
        await expect(ai.locator("[data-part=sender]")).to_have_text("Asistente de IA")

        # the inbox shows the visitor by the name the form gave
        listed = await api(hub, "GET", "/api/conversations", company.agent_token)
        conversation = listed["conversations"][0]
        assert conversation["contact"]["name"] == "Ana García"
        assert conversation["contact"]["email"] == "ana@example.com"

        path = f"/api/conversations/{conversation['id']}/messages"
        await api(hub, "POST", path, maria, json={"text": "Sí, en toda la provincia."})
        reply = widget.message("Sí, en toda la provincia.")
        await expect(reply.locator("[data-part=sender]")).to_have_text("María")
        stamp = reply.locator("time")
        await expect(stamp).to_have_text(re.compile(r"^\d{1,2}:\d{2}"))
        assert (await stamp.get_attribute("datetime") or "").endswith("Z")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "widget-es.png"))

        # closed, a reply arrives: the launcher and the title say so
        await page.get_by_role("button", name="Cerrar chat").click()
        await expect(dialog).to_be_hidden()
        await api(hub, "POST", path, maria, json={"text": "¿Te llamamos mañana?"})
        unread = page.get_by_role("button", name="Abrir chat (1 mensaje sin leer)")
        await expect(unread).to_be_visible()
        await expect(page).to_have_title("(1) Host page")
        await page.screenshot(path=str(ARTIFACTS / "widget-es-unread.png"))
        await unread.click()
        await expect(widget.message("¿Te llamamos mañana?")).to_be_visible()
        await expect(page).to_have_title("Host page")
        await page.get_by_role("button", name="Cerrar chat").click()
        await expect(launcher).to_have_accessible_name("Abrir chat")  # read: no count


def sign(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


async def test_a_signed_in_user_on_two_devices_and_a_wrong_hash(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Acme")
    secret = (await api(hub, "POST", "/api/widget-settings/secret", company.agent_token))["secret"]
    user = {"data-user-id": "user-42", "data-user-hash": sign(secret, "user-42")}
    forged = {"data-user-id": "user-42", "data-user-hash": sign("a guess", "user-42")}
    async with (
        host_site(hub.http, company.widget_key, attrs=user) as site,
        host_site(hub.http, company.widget_key, attrs=forged) as forged_site,
        new_context(browser) as laptop_ctx,
        new_context(browser) as phone_ctx,
        new_context(browser) as forger_ctx,
    ):
        laptop = WidgetPage(await laptop_ctx.new_page())
        await laptop.page.goto(site)
        await laptop.open()
        await assert_named_controls(laptop.page, {"Hide chat", "Close chat", "Message", "Send"})
        await laptop.say("Asked on my laptop")

        phone = WidgetPage(await phone_ctx.new_page())  # another browser profile: no session
        await phone.page.goto(site)
        await phone.open()
        await expect(phone.message("Asked on my laptop")).to_be_visible()
        await phone.say("And now on my phone")
        await expect(laptop.message("And now on my phone")).to_be_visible()

        forger = WidgetPage(await forger_ctx.new_page())
        await forger.page.goto(forged_site)
        await forger.open()
        await expect(forger.status).to_have_attribute("data-state", "refused")
        await expect(forger.status).to_have_text(re.compile("could not verify your sign-in"))
        await expect(forger.messages()).to_have_count(0)
    listed = await api(hub, "GET", "/api/conversations", company.agent_token)
    assert len(listed["conversations"]) == 1
