"""Labels and priority (issue 21): owners manage the company's labels, agents put them on
conversations and contacts and set priorities; every agent's inbox sees the change live; the
list filters and search find by them; a deleted label leaves nothing behind; the export
carries them. Real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.support.server import HubServer, start_hub
from tests.test_inbox_workflow import Team, make_team, updated


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


@pytest.fixture
async def team(server: HubServer) -> AsyncIterator[Team]:
    made = await make_team(server, ai=False)
    yield made
    await made.http.aclose()


async def ok(team: Team, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = await team.api(method, path, body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def listed(team: Team, query: str) -> list[str]:
    found = await ok(team, "GET", f"/api/conversations?{query}")
    return [c["id"] for c in found["conversations"]]


async def test_owners_manage_labels_and_agents_only_read_them(team: Team) -> None:
    billing = await ok(team, "POST", "/api/labels", {"name": "billing", "colour": "red"}, 201)
    assert billing["colour"] == "#b91c1c" and billing["description"] == ""
    vip = {"name": "VIP", "colour": "#A0B1C2", "description": "big accounts"}
    created = await ok(team, "POST", "/api/labels", vip, 201)
    assert created["colour"] == "#a0b1c2"
    # Names are unique in the company whatever their case; colours come from the palette.
    assert (await team.api("POST", "/api/labels", {"name": "Billing"})).status_code == 409
    assert (
        await team.api("POST", "/api/labels", {"name": "x", "colour": "mauve"})
    ).status_code == 400
    assert (await team.api("POST", "/api/labels", {"name": "a:b"})).status_code == 400
    renamed = await ok(team, "PATCH", f"/api/labels/{billing['id']}", {"name": "invoices"})
    assert renamed["name"] == "invoices" and renamed["colour"] == "#b91c1c"
    clash = await team.api("PATCH", f"/api/labels/{billing['id']}", {"name": "vip"})
    assert clash.status_code == 409

    member = team.member_token
    as_member = await team.api("GET", "/api/labels", token=member)
    assert [label["name"] for label in as_member.json()["labels"]] == ["invoices", "VIP"]
    refused = await team.api("POST", "/api/labels", {"name": "mine"}, token=member)
    assert refused.status_code == 403
    gone = await team.api("DELETE", f"/api/labels/{billing['id']}", token=member)
    assert gone.status_code == 403


async def test_an_agent_labels_a_conversation_and_every_inbox_sees_it(team: Team) -> None:
    _widget, cid = await team.conversation()
    label = await ok(team, "POST", "/api/labels", {"name": "billing", "colour": "teal"}, 201)
    chip = {"id": label["id"], "name": "billing", "colour": "#0f766e"}
    body = {"label_ids": [label["id"]]}
    put = await team.api("PUT", f"/api/conversations/{cid}/labels", body, token=team.member_token)
    assert put.status_code == 200 and put.json()["conversation"]["labels"] == [chip]
    for agent in (team.owner, team.member):
        await updated(agent, cid, labels=[chip])

    await ok(team, "PUT", f"/api/conversations/{cid}/priority", {"priority": "urgent"})
    for agent in (team.owner, team.member):
        await updated(agent, cid, priority="urgent", labels=[chip])
    bad = await team.api("PUT", f"/api/conversations/{cid}/priority", {"priority": "asap"})
    assert bad.status_code == 400

    # A fresh socket's snapshot carries both.
    [fresh] = (await ok(team, "GET", "/api/conversations"))["conversations"]
    assert fresh["labels"] == [chip] and fresh["priority"] == "urgent"

    # A renamed label is republished on the conversations carrying it.
    await ok(team, "PATCH", f"/api/labels/{label['id']}", {"colour": "purple"})
    await updated(team.member, cid, labels=[chip | {"colour": "#7e22ce"}])


async def test_the_list_filters_by_label_and_priority(team: Team) -> None:
    _w1, first = await team.conversation()
    _w2, second = await team.conversation()
    label = await ok(team, "POST", "/api/labels", {"name": "billing"}, 201)
    await ok(team, "PUT", f"/api/conversations/{first}/labels", {"label_ids": [label["id"]]})
    await ok(team, "PUT", f"/api/conversations/{second}/priority", {"priority": "high"})

    assert await listed(team, f"label={label['id']}") == [first]
    assert await listed(team, "priority=high") == [second]
    assert await listed(team, f"priority=high&label={label['id']}") == []
    assert await listed(team, "status=open&priority=none") == [first]
    assert (await team.api("GET", "/api/conversations?priority=soon")).status_code == 400


async def test_search_finds_by_label_and_contacts_carry_theirs(team: Team) -> None:
    widget, cid = await team.conversation()
    await widget.say("my invoice is wrong")
    await team.owner.message("my invoice is wrong")
    _other, other = await team.conversation()
    label = await ok(team, "POST", "/api/labels", {"name": "Billing"}, 201)
    await ok(team, "PUT", f"/api/conversations/{cid}/labels", {"label_ids": [label["id"]]})
    [view] = [
        c for c in (await ok(team, "GET", "/api/conversations"))["conversations"] if c["id"] == cid
    ]
    contact_id = view["contact"]["id"]
    labelled = await ok(
        team, "PUT", f"/api/contacts/{contact_id}/labels", {"label_ids": [label["id"]]}
    )
    assert [chip["name"] for chip in labelled["labels"]] == ["Billing"]
    page = await ok(team, "GET", f"/api/contacts/{contact_id}")
    assert [chip["id"] for chip in page["contact"]["labels"]] == [label["id"]]
    exported = await ok(team, "GET", f"/api/contacts/{contact_id}/export")
    assert exported["labels"] == [{"name": "Billing", "colour": "#1d4ed8"}]

    found = await ok(team, "GET", "/api/search?q=label:billing")
    assert [c["id"] for c in found["conversations"]] == [cid]
    assert [c["id"] for c in found["contacts"]] == [contact_id]
    words = await ok(team, "GET", "/api/search?q=label:billing%20invoice")
    assert [m["conversation_id"] for m in words["messages"]] == [cid]
    assert other not in {c["id"] for c in found["conversations"]}
    unknown = await ok(team, "GET", "/api/search?q=label:nothing")
    assert unknown == {"messages": [], "contacts": [], "conversations": []}


async def test_a_deleted_label_leaves_no_trace_and_the_export_carries_labels(
    team: Team,
) -> None:
    _widget, cid = await team.conversation()
    label = await ok(team, "POST", "/api/labels", {"name": "billing"}, 201)
    await ok(team, "PUT", f"/api/conversations/{cid}/labels", {"label_ids": [label["id"]]})
    exported = json.loads((await team.api("GET", "/api/export")).text)
    assert [row["name"] for row in exported["labels"]] == ["billing"]
    assert exported["conversation_labels"] == [{"conversation_id": cid, "label_id": label["id"]}]

    await ok(team, "DELETE", f"/api/labels/{label['id']}", status=204)
    await updated(team.member, cid, labels=[])
    assert await listed(team, f"label={label['id']}") == []
    assert (await team.api("DELETE", f"/api/labels/{label['id']}")).status_code == 404
    assert (await ok(team, "GET", "/api/labels")) == {"labels": []}


async def test_another_companys_label_cannot_be_attached(team: Team, server: HubServer) -> None:
    _widget, cid = await team.conversation()
    other = await make_team(server, ai=False)
    try:
        theirs = await ok(other, "POST", "/api/labels", {"name": "theirs"}, 201)
        body = {"label_ids": [theirs["id"]]}
        assert (await team.api("PUT", f"/api/conversations/{cid}/labels", body)).status_code == 404
        [view] = (await ok(team, "GET", "/api/conversations"))["conversations"]
        assert view["labels"] == []
        assert await listed(team, f"label={theirs['id']}") == []
        patched = await team.api("PATCH", f"/api/labels/{theirs['id']}", {"name": "mine"})
        assert patched.status_code == 404
    finally:
        await other.http.aclose()
