"""Teams and saved views (issue 21): owners manage teams, any agent assigns a conversation to
one, round robin hands it to the next available member (online first, then least recently
assigned; away and deactivated members skipped; the company's cap kept); each agent keeps its
own saved views with their counts. Real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.support.clients import Widget
from tests.support.server import HubServer, start_hub
from tests.test_inbox_workflow import Team, make_team, updated


@pytest.fixture
async def team(database_url: str) -> AsyncIterator[Team]:
    async with start_hub(make_settings(database_url)) as server:
        made = await make_team(server, ai=False)
        yield made
        await made.http.aclose()


async def ok(team: Team, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = await team.api(method, path, body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def new_conversation(server: HubServer, key: str, text: str = "hello") -> str:
    widget = await Widget.open(server.ws, key)
    said = await widget.say(text)
    await widget.close()
    return str(said["conversation_id"])


async def test_owners_manage_teams_and_every_agent_hears_of_them(team: Team) -> None:
    made = await ok(
        team, "POST", "/api/teams", {"name": " Sales ", "member_ids": [team.member_id]}, 201
    )
    sales = made["team"]
    assert (sales["name"], sales["round_robin"], sales["member_ids"]) == (
        "Sales",
        False,
        [team.member_id],
    )
    heard = await team.member.expect("teams.updated")
    assert [t["id"] for t in heard["teams"]] == [sales["id"]]
    assert (await team.api("POST", "/api/teams", {"name": "Sales"})).status_code == 409
    as_agent = await team.api("POST", "/api/teams", {"name": "Mine"}, team.member_token)
    assert as_agent.status_code == 403
    stranger = await team.api("POST", "/api/teams", {"name": "X", "member_ids": ["nobody"]})
    assert stranger.status_code == 404

    renamed = await ok(team, "PATCH", f"/api/teams/{sales['id']}", {"name": "Leads"})
    assert renamed["team"]["name"] == "Leads"
    both = await ok(team, "POST", f"/api/teams/{sales['id']}/members", {"agent_id": team.owner_id})
    assert sorted(both["team"]["member_ids"]) == sorted([team.owner_id, team.member_id])
    path = f"/api/teams/{sales['id']}/members/{team.member_id}"
    assert (await ok(team, "DELETE", path))["team"]["member_ids"] == [team.owner_id]
    listed = (await team.api("GET", "/api/teams", token=team.member_token)).json()["teams"]
    assert [(t["name"], t["member_ids"]) for t in listed] == [("Leads", [team.owner_id])]

    # A conversation of a deleted team is left with none, and the agents are told.
    cid = await new_conversation(team.server, team.company.widget_key)
    assigned = await ok(team, "PUT", f"/api/conversations/{cid}/team", {"team_id": sales["id"]})
    assert assigned["conversation"]["team_id"] == sales["id"]
    assert assigned["conversation"]["assignee_id"] is None  # round robin is off
    filtered = await ok(team, "GET", f"/api/conversations?team={sales['id']}")
    assert [c["id"] for c in filtered["conversations"]] == [cid]
    assert (await ok(team, "GET", "/api/conversations?team=none"))["conversations"] == []
    await ok(team, "DELETE", f"/api/teams/{sales['id']}", status=204)
    await updated(team.member, cid, team_id=None)
    assert (await team.api("PATCH", f"/api/teams/{sales['id']}", {"name": "Y"})).status_code == 404
    unknown = await team.api("PUT", f"/api/conversations/{cid}/team", {"team_id": sales["id"]})
    assert unknown.status_code == 404


async def test_round_robin_online_first_then_least_recently_assigned(team: Team) -> None:
    server, hub = team.server, team.server.hub
    kim, _ = await hub.agents.add(
        team.company.company_id, {"email": "kim@acme.example", "name": "Kim", "role": "agent"}
    )  # never signs in: offline
    await ok(team, "PUT", "/api/inbox-settings", {"auto_assign": True, "assign_cap": 2})
    members = [team.owner_id, team.member_id, kim["id"]]
    body = {"name": "Support", "round_robin": True, "member_ids": members}
    support = (await ok(team, "POST", "/api/teams", body, 201))["team"]["id"]

    async def deal() -> str | None:
        cid = await new_conversation(server, team.company.widget_key)
        done = await ok(team, "PUT", f"/api/conversations/{cid}/team", {"team_id": support})
        await updated(team.member, cid, team_id=support)  # published live
        return done["conversation"]["assignee_id"]  # type: ignore[no-any-return]

    first, second, third, fourth = [await deal() for _ in range(4)]
    assert {first, second} == {team.owner_id, team.member_id}  # online before Kim
    assert (third, fourth) == (first, second)  # then the one whose turn is oldest
    assert await deal() == kim["id"]  # both online members are at the cap of 2
    await ok(team, "POST", f"/api/agents/{kim['id']}/deactivate", status=204)
    assert await deal() is None  # Kim is deactivated, the others at the cap

    await ok(team, "PUT", "/api/inbox-settings", {"auto_assign": True, "assign_cap": 10})
    await team.member.send({"type": "presence.set", "status": "away"})
    await team.owner.expect("presence.updated", agent_id=team.member_id, status="away")
    assert [await deal() for _ in range(2)] == [team.owner_id] * 2  # the away member skipped

    # A member who has it keeps it; a team with round robin off leaves the assignee alone.
    cid = await new_conversation(server, team.company.widget_key)
    await ok(team, "PUT", f"/api/conversations/{cid}/assignee", {"agent_id": team.member_id})
    kept = await ok(team, "PUT", f"/api/conversations/{cid}/team", {"team_id": support})
    assert kept["conversation"]["assignee_id"] == team.member_id


async def test_a_handoff_goes_to_the_conversations_team(database_url: str) -> None:
    async with start_hub(make_settings(database_url)) as server:
        team = await make_team(server, ai=True)  # the offline responder hands off on "human"
        body = {"name": "Sales", "round_robin": True, "member_ids": [team.member_id]}
        sales = (await ok(team, "POST", "/api/teams", body, 201))["team"]["id"]
        # The member's turn was taken just now: the company's round robin would pick the
        # owner, never assigned; the team's picks its member.
        first = await new_conversation(server, team.company.widget_key)
        dealt = await ok(team, "PUT", f"/api/conversations/{first}/team", {"team_id": sales})
        assert dealt["conversation"]["assignee_id"] == team.member_id
        await ok(team, "PATCH", f"/api/teams/{sales}", {"round_robin": False})
        widget = await Widget.open(server.ws, team.company.widget_key)
        cid = (await widget.say("hello"))["conversation_id"]
        parked = await ok(team, "PUT", f"/api/conversations/{cid}/team", {"team_id": sales})
        assert parked["conversation"]["assignee_id"] is None
        await ok(team, "PATCH", f"/api/teams/{sales}", {"round_robin": True})
        await widget.say("Can I talk to a human please")
        handed = await updated(team.owner, cid, handoff="waiting")
        assert (handed["assignee_id"], handed["team_id"]) == (team.member_id, sales)
        await team.http.aclose()


async def test_saved_views_are_each_agents_own_with_their_counts(team: Team) -> None:
    sales = (await ok(team, "POST", "/api/teams", {"name": "Sales"}, 201))["team"]["id"]
    cids = [await new_conversation(team.server, team.company.widget_key) for _ in range(3)]
    await ok(team, "PUT", f"/api/conversations/{cids[0]}/team", {"team_id": sales})
    await ok(team, "PUT", f"/api/conversations/{cids[1]}/assignee", {"agent_id": team.owner_id})

    async def save(name: str, filter_: dict[str, Any], token: str | None = None) -> Any:
        response = await team.api("POST", "/api/views", {"name": name, "filter": filter_}, token)
        assert response.status_code == 201, response.text
        return response.json()["view"]

    everything = await save("Everything", {})
    assert everything["filter"] == {"whose": "all", "status": "open", "team": None}
    assert everything["count"] == 3
    assert (await save("Sales", {"team": sales}))["count"] == 1
    assert (await save("No team, mine", {"whose": "mine", "team": "none"}))["count"] == 1
    assert (await save("Unassigned", {"whose": "unassigned"}))["count"] == 2
    assert (await save("Resolved", {"status": "resolved"}))["count"] == 0
    labelled = await save("VIP", {"label": "vip", "priority": "high"})
    assert (labelled["filter"]["label"], labelled["count"]) == ("vip", None)  # counted client-side
    for bad in ({"whose": "theirs"}, {"status": "closed"}, {"colour": "red"}, {"team": 5}):
        response = await team.api("POST", "/api/views", {"name": "Bad", "filter": bad})
        assert response.status_code == 400, bad

    listed = (await ok(team, "GET", "/api/views"))["views"]
    assert [v["name"] for v in listed][:2] == ["Everything", "Sales"]
    renamed = await ok(team, "PATCH", f"/api/views/{everything['id']}", {"name": "All open"})
    assert (renamed["view"]["name"], renamed["view"]["count"]) == ("All open", 3)

    # Another agent's views are not found, whatever it tries; its own list is its own.
    theirs = await save("Member's", {"whose": "mine"}, team.member_token)
    assert theirs["count"] == 0
    for method, body in (("PATCH", {"name": "mine now"}), ("DELETE", None)):
        path = f"/api/views/{everything['id']}"
        assert (await team.api(method, path, body, team.member_token)).status_code == 404
    member_views = (await team.api("GET", "/api/views", token=team.member_token)).json()
    assert [v["id"] for v in member_views["views"]] == [theirs["id"]]
    await ok(team, "DELETE", f"/api/views/{everything['id']}", status=204)
    assert (await team.api("DELETE", f"/api/views/{everything['id']}")).status_code == 404
