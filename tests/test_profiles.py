"""Profiles: each agent's display name and avatar, the author of every agent reply, and
`agent.updated` telling every agent of the company live (new teammates included).
Real hubs and sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.workspace.agents import AVATAR_MAX_BYTES
from hub.workspace.companies import CreatedCompany
from tests.conftest import make_settings
from tests.support.clients import Agent, Widget
from tests.support.images import png as solid_png
from tests.support.server import HubServer, start_hub


def png(rgb: tuple[int, int, int] = (220, 80, 40), size: int = 8) -> bytes:
    """A square avatar of one colour."""
    return solid_png(size, size, rgb)


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


@pytest.fixture
async def http(server: HubServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def invite(
    http: httpx.AsyncClient, company: CreatedCompany, name: str, email: str
) -> tuple[str, str]:
    """(agent id, token) of a teammate the owner invites through the API."""
    answer = await http.post(
        "/api/agents", json={"email": email, "name": name}, headers=bearer(company.agent_token)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["agent"]["id"], answer.json()["agent_token"]


async def agent_updated(agent: Agent, agent_id: str, **want: Any) -> dict[str, Any]:
    """The next `agent.updated` of `agent_id` that shows `want`."""
    while True:
        frame = await agent.expect("agent.updated")
        view: dict[str, Any] = frame["agent"]
        if view["id"] == agent_id and all(view.get(k) == v for k, v in want.items()):
            return view


async def test_an_avatar_is_uploaded_served_publicly_and_removed(
    server: HubServer, http: httpx.AsyncClient
) -> None:
    company = await server.company("Acme")
    ana_id, ana = await invite(http, company, "Ana", "ana@acme.example")
    owner = await Agent.open(server.ws, company.agent_token)
    image = png()

    put = await http.put("/api/agents/me/avatar", content=image, headers=bearer(ana))
    assert put.status_code == 200, put.text
    url = put.json()["avatar_url"]
    assert url.startswith(f"/avatars/{ana_id}?v=")
    # Every teammate hears of it at once, with the profile only (no settings, no phone).
    view = await agent_updated(owner, ana_id, avatar_url=url)
    assert view == {
        "id": ana_id,
        "name": "Ana",
        "email": "ana@acme.example",
        "role": "agent",
        "avatar_url": url,
    }

    served = await http.get(url)  # no token: widgets on other origins load it
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["cross-origin-resource-policy"] == "cross-origin"
    stale = await http.get(f"/avatars/{ana_id}?v=0123")  # not its version: revalidated
    assert stale.content == image and "immutable" not in stale.headers["cache-control"]

    again = await http.put("/api/agents/me/avatar", content=png((0, 0, 200)), headers=bearer(ana))
    newer = again.json()["avatar_url"]
    assert newer != url  # a new version, a new URL
    await agent_updated(owner, ana_id, avatar_url=newer)

    removed = await http.delete("/api/agents/me/avatar", headers=bearer(ana))
    assert removed.status_code == 200 and removed.json()["avatar_url"] is None
    await agent_updated(owner, ana_id, avatar_url=None)
    assert (await http.get(newer)).status_code == 404
    assert (await http.get("/avatars/not-an-id")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 415, None),
        (b"just some text", 415, "unsupported_type"),
        (b"%PDF-1.4 not an image", 415, "unsupported_type"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * AVATAR_MAX_BYTES, 413, "too_large"),
        (b"", 400, "bad_attachment"),
    ],
)
async def test_bad_avatars_are_refused_and_change_nothing(
    server: HubServer, http: httpx.AsyncClient, body: bytes, status: int, code: str | None
) -> None:
    company = await server.company("Acme")
    owner = bearer(company.agent_token)
    first = await http.put("/api/agents/me/avatar", content=png(), headers=owner)
    before = first.json()

    answer = await http.put("/api/agents/me/avatar", content=body, headers=owner)
    assert answer.status_code == status, answer.text
    if code is not None:
        assert answer.json()["error"]["code"] == code
    assert (await http.get("/api/agents/me", headers=owner)).json() == before
    assert (await http.get(before["avatar_url"])).content == png()


async def test_an_agent_writes_only_its_own_avatar(
    server: HubServer, http: httpx.AsyncClient
) -> None:
    company = await server.company("Acme")
    ana_id, ana = await invite(http, company, "Ana", "ana@acme.example")
    owner = bearer(company.agent_token)
    owner_id = (await http.get("/api/agents/me", headers=owner)).json()["id"]

    # There is no route naming another agent's avatar: the path is not an upload.
    for method in ("PUT", "DELETE"):
        other = await http.request(
            method, f"/api/agents/{owner_id}/avatar", content=png(), headers=bearer(ana)
        )
        assert other.status_code in (404, 405)
    assert (await http.put("/api/agents/me/avatar", content=png())).status_code == 401

    mine = await http.put("/api/agents/me/avatar", content=png(), headers=bearer(ana))
    assert mine.json()["id"] == ana_id
    listed = (await http.get("/api/agents", headers=owner)).json()["agents"]
    avatars = {a["id"]: a["avatar_url"] for a in listed}
    assert avatars[owner_id] is None and avatars[ana_id] == mine.json()["avatar_url"]
    # Ana removing hers leaves the owner's alone, and the owner's removal leaves hers.
    await http.put("/api/agents/me/avatar", content=png((1, 2, 3)), headers=owner)
    await http.delete("/api/agents/me/avatar", headers=owner)
    assert (await http.get(mine.json()["avatar_url"])).status_code == 200


async def test_a_teammate_added_later_is_named_live_with_her_replies(
    server: HubServer, http: httpx.AsyncClient
) -> None:
    company = await server.company("Acme")
    owner = await Agent.open(server.ws, company.agent_token)
    widget = await Widget.open(server.ws, company.widget_key)
    said = await widget.say("hello?")
    await owner.message("hello?")

    # Ana joins after the owner's inbox loaded: the owner's socket hears who she is.
    ana_id, ana = await invite(http, company, "Ana", "ana@acme.example")
    joined = await agent_updated(owner, ana_id)
    assert (joined["name"], joined["avatar_url"]) == ("Ana", None)
    avatar = (await http.put("/api/agents/me/avatar", content=png(), headers=bearer(ana))).json()

    reply = await http.post(
        f"/api/conversations/{said['conversation_id']}/messages",
        json={"text": "Ana here"},
        headers=bearer(ana),
    )
    assert reply.status_code == 201, reply.text
    live = await owner.message("Ana here")
    shown = await widget.message("Ana here")
    for message in (live, shown):
        assert message["agent_id"] == ana_id
        assert message["sender_name"] == "Ana"
        assert message["avatar_url"] == avatar["avatar_url"]
    assert said["agent_id"] is None and said["avatar_url"] is None  # the visitor's own

    # She renames herself: every teammate hears it; her reply keeps its From line.
    renamed = await http.patch("/api/agents/me", json={"name": "  Ana B.  "}, headers=bearer(ana))
    assert renamed.json()["name"] == "Ana B."
    await agent_updated(owner, ana_id, name="Ana B.")
    history = await http.get(
        f"/api/conversations/{said['conversation_id']}/messages", headers=bearer(ana)
    )
    stored = history.json()["messages"][-1]
    assert (stored["agent_id"], stored["sender_name"]) == (ana_id, "Ana")
    assert stored["avatar_url"] == avatar["avatar_url"]
    presence = (await http.get("/api/presence", headers=bearer(ana))).json()["agents"]
    assert {a["id"]: a["name"] for a in presence}[ana_id] == "Ana B."
    assert {a["id"]: a["avatar_url"] for a in presence}[ana_id] == avatar["avatar_url"]


async def test_announce_reaches_every_agent_and_never_a_widget(
    server: HubServer, http: httpx.AsyncClient
) -> None:
    """`AgentService.announce`: what sign-up and invitations call for an agent they create."""
    company = await server.company("Acme")
    ana_id, ana = await invite(http, company, "Ana", "ana@acme.example")
    owner = await Agent.open(server.ws, company.agent_token)
    member = await Agent.open(server.ws, ana)
    widget = await Widget.open(server.ws, company.widget_key)
    await server.hub.agents.announce(company.company_id, ana_id)
    for agent in (owner, member):
        assert (await agent_updated(agent, ana_id))["name"] == "Ana"
    await widget.say("ping")  # published after the profile: the profile would be seen first
    assert "agent.updated" not in {frame["type"] for frame in widget.seen}
    await server.hub.agents.announce(company.company_id, "0" * 32)  # no such agent: nothing


@pytest.mark.parametrize("name", [None, "", "   ", "Ana\nB", "x" * 201])
async def test_a_display_name_is_required(
    server: HubServer, http: httpx.AsyncClient, name: str | None
) -> None:
    company = await server.company("Acme")
    owner = bearer(company.agent_token)
    named = await http.patch("/api/agents/me", json={"name": "Olga"}, headers=owner)
    assert named.status_code == 200
    answer = await http.patch("/api/agents/me", json={"name": name}, headers=owner)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert (await http.get("/api/agents/me", headers=owner)).json()["name"] == "Olga"
