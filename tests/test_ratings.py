"""Satisfaction ratings: an agent resolves, the widget is asked, the visitor rates once per
resolution, agents see it live, analytics count it, exports carry it and erasure removes it.
Real sockets, on SQLite and PostgreSQL; one case across two processes over Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import SECRET, make_settings
from tests.support.clients import Agent, Client, Widget
from tests.support.processes import hub_processes, make_company
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as started:
        yield started


class Setup:
    """A company, its owner's socket and HTTP client, and one visitor's conversation."""

    def __init__(self, server: HubServer) -> None:
        self.server = server

    async def start(self, name: str = "Acme") -> Setup:
        self.company = await self.server.company(name, ai=False)
        self.agent = await Agent.open(self.server.ws, self.company.agent_token)
        self.http = httpx.AsyncClient(
            base_url=self.server.http,
            timeout=10,
            headers={"Authorization": f"Bearer {self.company.agent_token}"},
        )
        self.widget = await Widget.open(self.server.ws, self.company.widget_key)
        said = await self.widget.say("hello there")
        self.cid = str(said["conversation_id"])
        await self.agent.message("hello there")
        return self

    async def resolve(self, status: str = "resolved") -> None:
        frame = {"type": "conversation.status", "conversation_id": self.cid, "status": status}
        await self.agent.send(frame)


@pytest.fixture
async def acme(server: HubServer) -> AsyncIterator[Setup]:
    setup = await Setup(server).start()
    yield setup
    await setup.http.aclose()


def rating(score: Any, comment: Any = None) -> dict[str, Any]:
    return {"type": "rating", "score": score, "comment": comment}


async def rated(client: Client, cid: str) -> dict[str, Any]:
    frame = await client.expect("conversation.rated", conversation_id=cid)
    return frame["rating"]  # type: ignore[no-any-return]


async def test_resolving_asks_the_widget_and_the_rating_reaches_agents(acme: Setup) -> None:
    await acme.resolve()
    request = await acme.widget.expect("rating.request")
    assert request == {"type": "rating.request", "conversation_id": acme.cid}

    await acme.widget.send(rating(4, "  Quick and kind  "))
    seen = await rated(acme.agent, acme.cid)
    assert seen["score"] == 4 and seen["comment"] == "Quick and kind"
    assert await rated(acme.widget, acme.cid) == seen  # the widget's acknowledgement

    # Conversation.rating, in the list an inbox reads.
    listed = (await acme.http.get("/api/conversations")).json()["conversations"]
    assert [c["rating"] for c in listed if c["id"] == acme.cid] == [seen]


def comment(text: Any) -> dict[str, Any]:
    return {"type": "rating.comment", "comment": text}


async def test_a_comment_after_the_star_updates_the_same_rating(acme: Setup) -> None:
    """Issue 19: the star is sent alone, at once; the comment box after it must add to that
    rating, never make a second one."""
    await acme.widget.send(comment("too early"))  # nothing resolved, nothing rated
    assert (await acme.widget.expect("error"))["code"] == "not_pending"
    await acme.resolve()
    await acme.widget.expect("rating.request")
    await acme.widget.send(comment("before the star"))
    assert (await acme.widget.expect("error"))["code"] == "not_pending"

    await acme.widget.send(rating(4))
    star = await rated(acme.agent, acme.cid)
    assert star["score"] == 4 and star["comment"] is None
    assert await rated(acme.widget, acme.cid) == star
    for bad in (comment(""), comment("x" * 1001), comment(None), {"type": "rating.comment"}):
        await acme.widget.send(bad)
        assert (await acme.widget.expect("error"))["code"] == "bad_frame", bad
    await acme.widget.send(comment("   "))  # blank once trimmed
    assert (await acme.widget.expect("error"))["code"] == "bad_frame"

    await acme.widget.send(comment("  Quick and kind  "))
    commented = await rated(acme.agent, acme.cid)
    assert commented == {**star, "comment": "Quick and kind"}  # the same rating, its time too
    assert await rated(acme.widget, acme.cid) == commented
    await acme.widget.send(comment("changed my mind"))  # once: the first comment stands
    assert (await acme.widget.expect("error"))["code"] == "already_rated"

    listed = (await acme.http.get("/api/conversations")).json()["conversations"]
    assert [c["rating"] for c in listed if c["id"] == acme.cid] == [commented]
    report = (await acme.http.get("/api/analytics")).json()["satisfaction"]
    assert report["ratings"] == 1 and report["by_score"]["4"] == 1
    async with acme.server.hub.db.read() as conn:
        from hub.persistence import repository as repo

        assert await repo.count_rows(conn, repo.ratings) == 1

    # Reopened: the rating of the earlier resolution takes no comment any more.
    await acme.resolve("open")
    await acme.widget.expect("rating.withdrawn")
    await acme.widget.send(comment("late"))
    assert (await acme.widget.expect("error"))["code"] == "not_pending"


async def test_a_visitor_who_rated_with_a_star_is_offered_the_comment_again(acme: Setup) -> None:
    """`welcome.rating`: the rating of the current resolution, so a visitor who left after
    the star finds the comment box again; none once the conversation is reopened."""
    session = acme.widget.welcome["session_id"]
    assert acme.widget.welcome["rating"] is None  # a new session: nothing resolved
    await acme.resolve()
    await acme.widget.expect("rating.request")
    await acme.widget.send(rating(5))
    star = await rated(acme.widget, acme.cid)
    await acme.widget.close()

    back = await Widget.open(acme.server.ws, acme.company.widget_key, session_id=session)
    welcome = back.welcome
    assert (welcome["resolved"], welcome["rating_pending"], welcome["rating"]) == (
        True,
        False,
        star,
    )
    await back.send(comment("Solved in minutes"))
    commented = await rated(back, acme.cid)
    await back.close()
    again = await Widget.open(acme.server.ws, acme.company.widget_key, session_id=session)
    assert again.welcome["rating"] == commented == {**star, "comment": "Solved in minutes"}
    await acme.resolve("open")
    await again.expect("rating.withdrawn")
    await again.close()
    reopened = await Widget.open(acme.server.ws, acme.company.widget_key, session_id=session)
    assert (reopened.welcome["resolved"], reopened.welcome["rating"]) == (False, None)
    await reopened.close()


async def test_bad_ratings_are_refused_and_the_socket_stays_up(acme: Setup) -> None:
    await acme.resolve()
    await acme.widget.expect("rating.request")
    for bad in (
        rating(0),
        rating(6),
        rating("4"),
        rating(4.5),
        rating(True),
        rating(3, "x" * 1001),
    ):
        await acme.widget.send(bad)
        error = await acme.widget.expect("error")
        assert error["code"] == "bad_frame", bad
    await acme.widget.send({"type": "rating"})
    assert (await acme.widget.expect("error"))["code"] == "bad_frame"
    await acme.widget.send({"type": "ping"})
    await acme.widget.expect("pong")
    async with acme.server.hub.db.read() as conn:
        from hub.persistence import repository as repo

        assert await repo.count_rows(conn, repo.ratings) == 0


async def test_one_rating_per_resolution_and_again_after_a_reopen(acme: Setup) -> None:
    # Not resolved: nothing to rate.
    await acme.widget.send(rating(5))
    assert (await acme.widget.expect("error"))["code"] == "not_pending"

    await acme.resolve()
    await acme.widget.expect("rating.request")
    await acme.widget.send(rating(2, "slow"))
    await rated(acme.widget, acme.cid)
    await acme.widget.send(rating(5))
    assert (await acme.widget.expect("error"))["code"] == "already_rated"

    # A reload after rating: nothing pending. Reopened and resolved again: asked again.
    session = acme.widget.welcome["session_id"]
    again = await Widget.open(acme.server.ws, acme.company.widget_key, session_id=session)
    assert again.welcome["rating_pending"] is False
    await acme.resolve("open")
    await acme.resolve()
    await again.expect("rating.request")
    await again.send(rating(5))
    assert (await rated(again, acme.cid))["score"] == 5

    report = (await acme.http.get("/api/analytics")).json()["satisfaction"]
    assert report == {
        "ratings": 2,
        "average": 3.5,
        "by_score": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1},
    }
    await again.close()


async def test_an_agent_reopening_withdraws_the_question(acme: Setup) -> None:
    """Only a change from `resolved` withdraws it; a rating sent then is refused."""
    await acme.resolve("pending")
    await acme.resolve()
    await acme.widget.expect("rating.request")
    assert "rating.withdrawn" not in [f["type"] for f in acme.widget.seen]  # it was pending
    await acme.resolve("open")
    withdrawn = await acme.widget.expect("rating.withdrawn")
    assert withdrawn == {"type": "rating.withdrawn", "conversation_id": acme.cid}
    await acme.widget.send(rating(4))
    assert (await acme.widget.expect("error"))["code"] == "not_pending"


async def test_a_visitor_away_at_resolve_time_is_asked_in_welcome(acme: Setup) -> None:
    session = acme.widget.welcome["session_id"]
    await acme.widget.close()
    await acme.resolve()
    await acme.agent.expect("conversation.updated")
    back = await Widget.open(
        acme.server.ws, acme.company.widget_key, session_id=session, last_seq=1
    )
    assert back.welcome["rating_pending"] is True
    await back.send(rating(3))
    assert (await rated(back, acme.cid))["score"] == 3
    await back.close()


async def test_the_company_can_switch_ratings_off(acme: Setup) -> None:
    owner = acme.http
    settings = (await owner.get("/api/widget-settings")).json()
    assert settings["rating_enabled"] is True
    changed = await owner.put("/api/widget-settings", json={**settings, "rating_enabled": False})
    assert changed.status_code == 200 and changed.json()["rating_enabled"] is False
    bad = await owner.put("/api/widget-settings", json={**settings, "rating_enabled": "no"})
    assert bad.status_code == 400

    await acme.resolve()
    await acme.agent.expect("conversation.updated")
    await acme.widget.send(rating(5))
    assert (await acme.widget.expect("error"))["code"] == "not_pending"
    assert not [f for f in acme.widget.seen if f["type"] == "rating.request"]
    session = acme.widget.welcome["session_id"]
    back = await Widget.open(acme.server.ws, acme.company.widget_key, session_id=session)
    assert back.welcome["rating_pending"] is False
    assert back.welcome["config"]["rating_enabled"] is False
    await back.close()


async def test_the_http_status_route_asks_too_and_companies_are_walled_off(
    acme: Setup, server: HubServer
) -> None:
    other = await Setup(server).start("Globex")
    try:
        answer = await other.http.post(
            f"/api/conversations/{acme.cid}/status", json={"status": "resolved"}
        )
        assert answer.status_code == 404
        answer = await acme.http.post(
            f"/api/conversations/{acme.cid}/status", json={"status": "resolved"}
        )
        assert answer.status_code == 200 and answer.json()["conversation"]["rating"] is None
        await acme.widget.expect("rating.request")
        await acme.widget.send(rating(1, "no help"))
        await rated(acme.agent, acme.cid)
        # Globex's agent saw none of it, and its analytics count nothing.
        assert not [f for f in other.agent.seen if f.get("conversation_id") == acme.cid]
        theirs = (await other.http.get("/api/analytics")).json()["satisfaction"]
        assert theirs["ratings"] == 0 and theirs["average"] is None
    finally:
        await other.http.aclose()


async def test_exports_carry_ratings_and_erasure_removes_them(acme: Setup) -> None:
    me = acme.agent.welcome["agent_id"]
    assigned = await acme.http.put(f"/api/conversations/{acme.cid}/assignee", json={"agent_id": me})
    assert assigned.status_code == 200
    await acme.resolve()
    await acme.widget.expect("rating.request")
    await acme.widget.send(rating(4, "fine"))
    await rated(acme.agent, acme.cid)

    views = (await acme.http.get("/api/conversations")).json()["conversations"]
    contact_id = next(c["contact"]["id"] for c in views if c["id"] == acme.cid)
    export = json.loads((await acme.http.get("/api/export")).text)
    assert [(r["conversation_id"], r["score"], r["comment"]) for r in export["ratings"]] == [
        (acme.cid, 4, "fine")
    ]
    assert export["ratings"][0]["agent_id"] == me  # the assignee who resolved it
    theirs = (await acme.http.get(f"/api/contacts/{contact_id}/export")).json()
    assert [r["score"] for r in theirs["ratings"]] == [4]

    erased = await acme.http.delete(f"/api/contacts/{contact_id}")
    assert erased.status_code in (200, 204)
    export = json.loads((await acme.http.get("/api/export")).text)
    assert export["ratings"] == []
    report = (await acme.http.get("/api/analytics")).json()["satisfaction"]
    assert report["ratings"] == 0


async def test_analytics_count_ratings_by_local_day(acme: Setup) -> None:
    """The range is local days in `tz`: a rating given now is in today's range, not in a
    range of days that ended before today."""
    await acme.resolve()
    await acme.widget.expect("rating.request")
    await acme.widget.send(rating(5))
    await rated(acme.agent, acme.cid)
    today = (await acme.http.get("/api/analytics?tz=Pacific/Kiritimati")).json()
    assert today["satisfaction"]["by_score"]["5"] == 1
    assert today["satisfaction"]["average"] == 5.0
    past = await acme.http.get("/api/analytics?from=2020-01-01&to=2020-01-31")
    assert past.json()["satisfaction"] == {
        "ratings": 0,
        "average": None,
        "by_score": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }


# -- two processes -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
async def test_rating_crosses_processes(pg_url: str, redis_url: str) -> None:
    """Agent on process A resolves; the visitor on B is asked and rates; A's agent sees it."""
    async with hub_processes(
        2, database_url=pg_url, redis_url=redis_url, secret_key=SECRET.reveal()
    ) as processes:
        a, b = processes
        company = await make_company(a)
        agent = await Agent.open(a.ws, company.agent_token)
        widget = await Widget.open(b.ws, company.widget_key)
        cid = (await widget.say("hello from B"))["conversation_id"]
        await agent.message("hello from B")
        await agent.send(
            {"type": "conversation.status", "conversation_id": cid, "status": "resolved"}
        )
        await widget.expect("rating.request", conversation_id=cid)
        await widget.send(rating(4, "across"))
        assert (await rated(agent, cid))["comment"] == "across"
        await widget.close()
        await agent.close()
    for process in processes:
        assert process.log_errors() == [], process.output()
