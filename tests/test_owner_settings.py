"""The owners' settings page of the inbox, in real headless Chromium against a hub on SQLite:
every section's form changes what the API then serves, secrets never come back to the page,
the charts show the analytics API's numbers, and an agent who is not an owner sees only its
account.
Screenshots of every section go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Dialog, Page

from tests.support.browser import ARTIFACTS, InboxPage, expect, new_context
from tests.support.clients import Agent, Widget
from tests.support.seeding import Seeder
from tests.support.server import HubServer

pytestmark = pytest.mark.usefixtures("needs_chromium")

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"  # Twilio's are 32 hex characters
KAPSO_KEY = "kapso-key-aaaabbbbccccdddd"
KAPSO_SECRET = "kapso-hook-secret-eeeeffff0000"


class Owner:
    """The owner's inbox page with its settings open, and the API as the owner."""

    def __init__(self, server: HubServer, page: Page, token: str, widget_key: str) -> None:
        self.server = server
        self.page = page
        self.token = token
        self.widget_key = widget_key
        self.dialogs: list[str] = []
        page.on("dialog", self._accept)

    async def _accept(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        await dialog.accept()

    async def api(self, method: str, path: str, body: Any = None) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.server.http, timeout=10) as http:
            headers = {"Authorization": f"Bearer {self.token}"}
            return await http.request(method, path, json=body, headers=headers)

    def panel(self, name: str) -> Any:
        return self.page.get_by_role("tabpanel", name=name, exact=True)

    async def tab(self, name: str) -> Any:
        await self.page.get_by_role("tab", name=name, exact=True).click()
        panel = self.panel(name)
        await expect(panel).to_be_visible()
        await expect(panel).not_to_have_attribute("aria-busy", "true")
        return panel

    async def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTIFACTS / f"settings-{name}.png"), full_page=True)


@pytest.fixture
async def owner(hub: HubServer, browser: Any) -> AsyncIterator[Owner]:
    company = await hub.company("Acme", ai=True)
    async with new_context(
        browser, timezone_id="UTC", viewport={"width": 1280, "height": 900}
    ) as ctx:
        page = await ctx.new_page()
        await InboxPage(page).goto(hub.http, company.agent_token)
        made = Owner(hub, page, company.agent_token, company.widget_key)
        await page.get_by_role("button", name="Settings").click()
        await expect(page.get_by_role("heading", name="Settings")).to_be_visible()
        yield made


async def test_profile_facts_and_qa_pairs_the_ai_answers_from(owner: Owner) -> None:
    page = owner.page
    panel = await owner.tab("Profile & facts")
    await panel.get_by_label("Company name").fill("Acme Solar")
    facts = panel.get_by_label("Facts the AI may use (one per line)")
    await facts.fill("We install solar panels.\nWe cover all of Lisbon.")
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_have_text("Saved.")
    await owner.shot("profile")
    company = (await owner.api("GET", "/api/company")).json()
    assert company["name"] == "Acme Solar"
    assert company["facts"] == ["We install solar panels.", "We cover all of Lisbon."]
    await panel.get_by_label("Company name").fill("")  # refused in the browser: required
    await panel.get_by_role("button", name="Save").click()
    assert (await owner.api("GET", "/api/company")).json()["name"] == "Acme Solar"
    await expect(panel.get_by_role("status")).to_have_text("")  # the edit made "Saved." stale
    await panel.get_by_label("Company name").fill("Acme Solar")

    # The tabs answer the arrow keys (the focused tab's panel shows).
    await page.get_by_role("tab", name="Profile & facts").focus()
    await page.keyboard.press("ArrowDown")
    await expect(page.get_by_role("tab", name="Q&A pairs")).to_be_focused()
    await expect(page.get_by_role("tab", name="Q&A pairs")).to_have_attribute(
        "aria-selected", "true"
    )

    panel = await owner.tab("Q&A pairs")
    pairs = panel.get_by_role("list", name="Q&A pairs")
    for question, answer in (
        ("When are you open?", "Our office is open 9 to 5."),
        ("Do you sell wind turbines?", "No, only solar."),
    ):
        await panel.get_by_label("Question", exact=True).fill(question)
        await panel.get_by_label("Answer", exact=True).fill(answer)
        await panel.get_by_role("button", name="Add pair").click()
        await expect(pairs.get_by_role("listitem").filter(has_text=question)).to_have_count(1)
    await expect(panel.get_by_role("status").first).to_have_text("Pair added.")

    # Edit one in place, delete the other (after confirming).
    await panel.get_by_role("button", name="Edit “When are you open?”").click()
    editing = panel.get_by_role("form", name="Edit “When are you open?”")
    await editing.get_by_label("Answer").fill("Our office is open 8 to 6, Monday to Saturday.")
    await editing.get_by_role("button", name="Save").click()
    await expect(pairs).to_contain_text("8 to 6, Monday to Saturday")
    await panel.get_by_role("button", name="Delete “Do you sell wind turbines?”").click()
    await expect(pairs.get_by_role("listitem")).to_have_count(1)
    assert owner.dialogs == ["Delete the Q&A pair “Do you sell wind turbines?”?"]
    listed = (await owner.api("GET", "/api/qa")).json()["pairs"]
    assert [(p["question"], p["answer"]) for p in listed] == [
        ("When are you open?", "Our office is open 8 to 6, Monday to Saturday.")
    ]
    await owner.shot("qa")

    # The offline responder now answers from the edited pair.
    widget = await Widget.open(owner.server.ws, owner.widget_key)
    await widget.say("When are you open?")
    while (reply := await widget.message())["sender"] != "ai":
        pass
    assert "8 to 6, Monday to Saturday" in reply["text"]
    await widget.close()

    await page.get_by_role("button", name="← Back to inbox").click()
    await expect(page.locator("#settings")).to_be_hidden()
    await expect(page.get_by_role("list", name="Conversations")).to_be_attached()
    await expect(page.locator("#app")).to_be_visible()


async def test_ai_widget_and_inbox_settings(owner: Owner) -> None:
    panel = await owner.tab("AI")
    await panel.get_by_label("What the AI is for").select_option("lead_qualification")
    await panel.get_by_label("Instructions (tone, goals, what to avoid)").fill("Be warm and brief.")
    await panel.get_by_label("Temperature (0 precise to 2 creative)").fill("0.7")
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_have_text("Saved.")
    ai = (await owner.api("GET", "/api/ai-settings")).json()
    assert (ai["use_case"], ai["instructions"], ai["temperature"]) == (
        "lead_qualification",
        "Be warm and brief.",
        0.7,
    )
    # A value the API refuses says why, and nothing changes.
    # (past the input's own maxlength, as a script or an old browser could send it)
    await panel.get_by_label("Model").evaluate("(i) => i.removeAttribute('maxlength')")
    await panel.get_by_label("Model").fill("x" * 101)
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_contain_text("Check the fields: model")
    assert (await owner.api("GET", "/api/ai-settings")).json()["model"] == ai["model"]
    await owner.shot("ai")

    panel = await owner.tab("Widget")
    await panel.get_by_label("Greeting (empty: the default)").fill("Hi! Ask us about solar.")
    await panel.get_by_label("Corner").select_option("left")
    await panel.get_by_label("Ask for a name and email before the chat").check()
    await panel.get_by_role("button", name="Save").click()
    await expect(panel.get_by_role("status")).to_have_text("Saved.")
    shown = (await owner.api("GET", "/api/widget-settings")).json()
    assert (shown["greeting"], shown["position"], shown["pre_chat_form"]) == (
        "Hi! Ask us about solar.",
        "left",
        True,
    )
    await panel.get_by_role("button", name="Create secret").click()
    secret = panel.locator(".set-secret")
    await expect(secret).to_have_count(1)
    value = await secret.text_content()
    assert value and len(value) >= 32
    assert value not in (await owner.api("GET", "/api/widget-settings")).text
    await owner.shot("widget")
    panel = await owner.tab("AI")
    panel = await owner.tab("Widget")  # read again: the secret is not shown twice
    await expect(panel.locator(".set-secret")).to_have_count(0)
    await expect(panel).to_contain_text("Identity verification is on.")
    await expect(panel.get_by_role("button", name="Rotate secret")).to_be_visible()

    panel = await owner.tab("Inbox")
    await panel.get_by_label("Assign new conversations to online agents in turn").uncheck()
    await panel.get_by_label("Most open conversations per agent").fill("4")
    # While the PUT is on its way, Save is disabled and says so; the PUT is held until then.
    release = asyncio.Event()

    async def held(route: Any) -> None:
        await release.wait()
        await route.continue_()

    await owner.page.route("**/api/inbox-settings", held)
    save = panel.get_by_role("button", name="Save")
    await save.click()
    await expect(save).to_be_disabled()
    await expect(panel.get_by_role("status")).to_have_text("Saving…")
    release.set()
    await expect(panel.get_by_role("status")).to_have_text("Saved.")
    await expect(save).to_be_enabled()
    await owner.page.unroute("**/api/inbox-settings", held)
    assert (await owner.api("GET", "/api/inbox-settings")).json() == {
        "auto_assign": False,
        "assign_cap": 4,
    }
    await owner.shot("inbox")


async def test_team_invite_resend_cancel_roles_and_deactivation(owner: Owner, browser: Any) -> None:
    """Settings → Team: an invitation by email shows its link (no mail configured), the
    invitee accepts it in another browser, the owner resends, cancels, changes a role and
    deactivates and reactivates the teammate."""
    panel = await owner.tab("Team")
    await panel.get_by_label("Email", exact=True).fill("eve@acme.example")
    await panel.get_by_role("button", name="Invite").click()
    await expect(panel.get_by_role("status").first).to_have_text("Invited eve@acme.example.")
    link = await panel.locator(".set-once .set-secret").text_content()
    assert link and "/invite#token=" in link
    pending = panel.get_by_role("table", name="Pending invitations")
    await expect(pending).to_contain_text("eve@acme.example")
    await owner.shot("team-invited")

    await pending.get_by_role("button", name="Resend the invitation to eve@acme.example").click()
    await expect(panel.get_by_role("status").first).to_contain_text("the old one no longer works")
    resent = await panel.locator(".set-once .set-secret").text_content()
    assert resent and resent != link
    await panel.get_by_label("Email", exact=True).fill("joe@acme.example")
    await panel.get_by_role("button", name="Invite").click()
    await expect(pending).to_contain_text("joe@acme.example")
    await pending.get_by_role("button", name="Cancel the invitation to joe@acme.example").click()
    await expect(panel.get_by_role("status").first).to_have_text(
        "Cancelled the invitation to joe@acme.example."
    )
    await expect(pending).not_to_contain_text("joe@acme.example")

    async with new_context(browser, viewport={"width": 900, "height": 700}) as ctx:
        eve = await ctx.new_page()
        await eve.goto(owner.server.http + resent[resent.index("/invite") :])
        await expect(eve.get_by_text("Acme invites eve@acme.example")).to_be_visible()
        await eve.get_by_label("Your name").fill("Eve")
        await eve.get_by_label("Password").fill("eve's long passphrase")
        await eve.screenshot(path=str(ARTIFACTS / "account-invite.png"))
        await eve.get_by_role("button", name="Join").click()
        await eve.wait_for_url("**/inbox")
        await expect(eve.locator("#conn")).to_have_attribute("data-state", "online")

    panel = await owner.tab("Team")
    team = panel.get_by_role("table", name="Teammates")
    row = team.get_by_role("row").filter(has_text="eve@acme.example")
    await expect(row).to_contain_text("Eve")
    await row.get_by_role("button", name="Make Eve an owner").click()
    await expect(row).to_contain_text("owner")
    await row.get_by_role("button", name="Make Eve an agent").click()
    await expect(row).to_contain_text("agent")
    await row.get_by_role("button", name="Deactivate Eve").click()
    await expect(row).to_contain_text("deactivated")
    assert owner.dialogs[-1].startswith("Deactivate Eve?")
    await owner.shot("team")
    await row.get_by_role("button", name="Reactivate Eve").click()
    await expect(panel.get_by_role("status").first).to_have_text("Eve is back.")
    await row.get_by_role("button", name="Transfer ownership to Eve").click()
    assert owner.dialogs[-1].startswith("Make Eve the owner?")
    # The old owner is an agent now: the inbox reloads and its settings show only Account.
    await expect(owner.page.locator("#settings-open")).to_have_attribute("data-for", "agent")
    await owner.page.get_by_role("button", name="Settings").click()
    await expect(owner.page.get_by_role("tab")).to_have_text(["Account"])
    me = (await owner.api("GET", "/api/agents/me")).json()
    assert me["role"] == "agent"


async def test_twilio_credentials_are_saved_and_never_shown_back(owner: Owner) -> None:
    panel = await owner.tab("Integrations")
    twilio = panel.get_by_role("form", name="Twilio SMS settings")
    await expect(panel).to_contain_text("Not configured.")
    await twilio.get_by_label("Account SID").fill("AC0000000000000000000000000000001")
    await twilio.get_by_label("Auth token").fill(AUTH_TOKEN)
    await twilio.get_by_label("Phone number (E.164)").fill("+1 415 555 0100")
    await twilio.get_by_role("button", name="Save Twilio SMS").click()
    await expect(twilio.get_by_role("status")).to_have_text("Saved.")
    await expect(panel).to_contain_text(f"Auth token: set (••••{AUTH_TOKEN[-4:]})")
    await expect(twilio.get_by_label("Auth token")).to_have_value("")
    await expect(twilio.get_by_label("Phone number (E.164)")).to_have_value("+14155550100")
    await owner.tab("Team")
    panel = await owner.tab("Integrations")  # read again from GET
    await expect(panel).to_contain_text("Configured.")
    await expect(twilio.get_by_label("Auth token")).to_have_value("")
    await owner.shot("integrations")
    values = await owner.page.locator("input").evaluate_all("(xs) => xs.map((x) => x.value)")
    dom = await owner.page.content()
    for where in (dom, " ".join(values), (await owner.api("GET", "/api/integrations/twilio")).text):
        assert AUTH_TOKEN not in where and AUTH_TOKEN[:-4] not in where

    kapso = panel.get_by_role("form", name="Kapso WhatsApp settings")
    await kapso.get_by_label("API key").fill(KAPSO_KEY)
    await kapso.get_by_label("Phone number ID").fill("pn-1")
    await kapso.get_by_label("Webhook secret").fill(KAPSO_SECRET)
    await kapso.get_by_role("button", name="Save Kapso WhatsApp").click()
    await expect(kapso.get_by_role("status")).to_have_text("Saved.")
    await expect(panel).to_contain_text(f"Webhook secret: set (••••{KAPSO_SECRET[-4:]})")
    for label in ("API key", "Webhook secret"):
        await expect(kapso.get_by_label(label)).to_have_value("")
    dom = await owner.page.content()
    assert KAPSO_KEY[:-4] not in dom and KAPSO_SECRET[:-4] not in dom

    # A number another company holds is refused with the API's reason, and nothing changes.
    other = await owner.server.company("Other")
    async with httpx.AsyncClient(base_url=owner.server.http) as http:
        taken = {
            "account_sid": "AC2",
            "auth_token": "other-token-123456",
            "phone_number": "+14155550199",
        }
        await http.put(
            "/api/integrations/twilio",
            json=taken,
            headers={"Authorization": f"Bearer {other.agent_token}"},
        )
    await twilio.get_by_label("Auth token").fill(AUTH_TOKEN)
    await twilio.get_by_label("Phone number (E.164)").fill("+14155550199")
    await twilio.get_by_role("button", name="Save Twilio SMS").click()
    await expect(twilio.get_by_role("status")).to_contain_text("That is already in use")
    await expect(twilio.get_by_label("Auth token")).to_have_value("")
    assert (await owner.api("GET", "/api/integrations/twilio")).json()[
        "phone_number"
    ] == "+14155550100"


async def test_charts_show_the_analytics_numbers(owner: Owner) -> None:
    hub = owner.server
    company_id = (await owner.api("GET", "/api/agents/me")).json()["company_id"]
    today = dt.datetime.now(dt.UTC).date()
    seeder = Seeder(hub, company_id)
    for back, (widget_n, sms_n) in enumerate(((3, 1), (0, 2), (5, 0))):
        day = (today - dt.timedelta(days=back)).isoformat()
        await seeder.day(day, 10 + back, 4 - back)
        cid = await seeder.conversation("widget", f"{day}T00:00:00")
        sms = await seeder.conversation("sms", f"{day}T00:00:00")
        for i in range(widget_n):
            await seeder.message(cid, "widget", "visitor", f"{day}T00:0{i}:00")
        for i in range(sms_n):
            await seeder.message(sms, "sms", "contact", f"{day}T00:1{i}:00")
        await seeder.message(sms, "sms", "agent", f"{day}T00:3{back}:00")

    panel = await owner.tab("Analytics")
    await panel.get_by_role("button", name="7 days").click()
    charts = panel.locator(".set-charts")
    first = (today - dt.timedelta(days=6)).isoformat()
    await expect(charts).to_have_attribute("data-from", first)
    params = {"from": first, "to": today.isoformat(), "tz": "UTC"}
    async with httpx.AsyncClient(base_url=hub.http) as http:
        report = (
            await http.get(
                "/api/analytics", params=params, headers={"Authorization": f"Bearer {owner.token}"}
            )
        ).json()

    messages = panel.locator('svg[data-chart="messages"]')
    total = report["messages"]["total"]
    await expect(messages).to_have_attribute("role", "img")
    label = await messages.get_attribute("aria-label")
    by_channel = report["messages"]["by_channel"]
    assert by_channel["widget"] == 8 and by_channel["sms"] == 3 + 3  # contacts' and agents'
    assert label and f"{total} in all" in label and "Widget 8, SMS 6, WhatsApp 0" in label
    for day in report["messages"]["by_day"]:
        group = messages.locator(f'g[data-category="{day["day"]}"]')
        for channel, count in day["by_channel"].items():
            bar = group.locator(f'rect[data-series="{channel}"]')
            await expect(bar).to_have_attribute("data-value", str(count))
    visits = panel.locator('svg[data-chart="visits"]')
    for day in report["daily"]:
        group = visits.locator(f'g[data-category="{day["day"]}"]')
        await expect(group.locator('[data-series="visits"]')).to_have_attribute(
            "data-value", str(day["visits"])
        )
        await expect(group.locator('[data-series="engaged_visits"]')).to_have_attribute(
            "data-value", str(day["engaged_visits"])
        )
    assert sum(d["visits"] for d in report["daily"]) == 10 + 11 + 12
    response = panel.locator('svg[data-chart="first-response"]')
    human = report["daily"][-1]["first_response_seconds"]["human"]
    assert human == 30 * 60 - 10 * 60  # today's contact wrote at 00:10, the agent at 00:30
    today_bar = response.locator(f'g[data-category="{today.isoformat()}"] [data-series="human"]')
    await expect(today_bar).to_have_attribute("data-value", str(int(human)))
    await expect(panel.locator('[data-figure="Messages"] dd')).to_have_text(str(total))
    # The numbers are in a table too, for screen readers.
    await panel.get_by_text("Messages per day by channel: the numbers").click()
    table = panel.get_by_role("table", name="Messages per day by channel")
    await expect(table.get_by_role("row")).to_have_count(1 + 7)
    assert report["satisfaction"]["ratings"] == 0  # nobody rated: the chart is all zeros
    unrated = panel.locator('svg[data-chart="satisfaction"] rect[data-value="0"]')
    await expect(unrated).to_have_count(5)
    await owner.shot("analytics")

    await owner.page.set_viewport_size({"width": 375, "height": 812})
    # Redrawn at the phone's width, so its text keeps its size; the bars are the same.
    await expect(messages).to_have_attribute("viewBox", re.compile(r"^0 0 3\d\d "))
    bars = messages.locator(f'g[data-category="{today.isoformat()}"] rect[data-series="widget"]')
    await expect(bars).to_have_attribute("data-value", "3")
    assert await owner.page.evaluate("document.documentElement.scrollWidth") <= 375
    await owner.shot("analytics-375")


async def test_an_agent_who_is_not_an_owner_sees_only_the_account(
    hub: HubServer, browser: Any
) -> None:
    company = await hub.company("Acme")
    _, token = await hub.hub.agents.add(
        company.company_id, {"email": "sam@acme.example", "name": "Sam", "role": "agent"}
    )
    async with new_context(browser) as ctx:
        page = await ctx.new_page()
        inbox = InboxPage(page)
        await inbox.goto(hub.http, token)
        entry = page.locator("#settings-open")
        await expect(entry).to_have_attribute("data-for", "agent")  # the role is known
        await entry.click()
        tabs = page.get_by_role("tab")
        await expect(tabs).to_have_count(1)
        await expect(tabs).to_have_text("Account")
    async with httpx.AsyncClient(base_url=hub.http) as http:
        answer = await http.put(
            "/api/ai-settings",
            json={"enabled": False},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"


async def rate_one(owner: Owner, agent: Agent, score: int) -> None:
    """A visitor's conversation, resolved by the owner's agent and rated `score`."""
    widget = await Widget.open(owner.server.ws, owner.widget_key)
    try:
        cid = (await widget.say(f"question {score}"))["conversation_id"]
        await agent.message(f"question {score}")
        await agent.send(
            {"type": "conversation.status", "conversation_id": cid, "status": "resolved"}
        )
        await widget.expect("rating.request", conversation_id=cid)
        await widget.send({"type": "rating", "score": score, "comment": None})
        await widget.expect("conversation.rated", conversation_id=cid)
    finally:
        await widget.close()


async def test_the_satisfaction_chart_shows_the_visitors_ratings(owner: Owner) -> None:
    agent = await Agent.open(owner.server.ws, owner.token)
    try:
        for score in (3, 4, 5, 5):
            await rate_one(owner, agent, score)
    finally:
        await agent.close()
    panel = await owner.tab("Analytics")
    chart = panel.locator('svg[data-chart="satisfaction"]')
    await expect(chart).to_have_attribute(
        "aria-label", "Satisfaction: 4 ratings, average 4.3 of 5."
    )
    by_score = {"1": 0, "2": 0, "3": 1, "4": 1, "5": 2}
    for score, count in by_score.items():
        bar = chart.locator(f'g[data-category="{score}"] rect')
        await expect(bar).to_have_attribute("data-value", str(count))
    await owner.shot("satisfaction")


async def test_the_settings_work_under_the_inbox_content_security_policy(
    hub: HubServer, browser: Any
) -> None:
    """/inbox allows no inline script or style and no other origin: every section renders
    under its CSP, and the browser reports no violation."""
    company = await hub.company("Acme")
    base = hub.http
    async with new_context(browser) as ctx:
        page = await ctx.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        await page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))"
        )
        await InboxPage(page).goto(base, company.agent_token)
        await page.get_by_role("button", name="Settings").click()
        for name in (
            "Profile & facts",
            "Q&A pairs",
            "AI",
            "Widget",
            "Inbox",
            "Team",
            "Integrations",
            "API keys",
            "Analytics",  # last: its chart is checked below
        ):
            await page.get_by_role("tab", name=name, exact=True).click()
            panel = page.get_by_role("tabpanel", name=name, exact=True)
            await expect(panel.get_by_role("heading", name=name, exact=True)).to_be_visible()
        await expect(page.locator('svg[data-chart="messages"]')).to_be_visible()
        response = await page.request.get(f"{base}/inbox")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "default-src 'none'" in csp  # it was in force
        assert await page.evaluate("window.__csp") == []
        assert not [line for line in console if "Content Security Policy" in line]
