"""`GET /api/analytics`: exact figures, local-day boundaries, walls between companies, errors.

Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from tests.conftest import make_settings
from tests.support.seeding import Seeder, get, utc
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[HubServer]:
    async with start_hub(make_settings(database_url)) as hub:
        yield hub


async def seed(hub: HubServer) -> tuple[str, str]:
    """Two companies' data; the first company's token, then the second's."""
    a = await hub.company("A")
    b = await hub.company("B")
    sa = Seeder(hub, a.company_id)
    widget = await sa.conversation("widget", "2024-03-10T10:00:00")
    sms = await sa.conversation("sms", "2024-03-11T01:00:00")
    whatsapp = await sa.conversation("whatsapp", "2024-02-01T00:00:00")
    await sa.message(whatsapp, "whatsapp", "contact", "2024-03-08T12:00:00")  # before any range
    await sa.message(sms, "sms", "contact", "2024-03-09T23:30:00")  # Tokyo: 10 March
    await sa.message(widget, "widget", "visitor", "2024-03-10T09:00:00")
    await sa.message(
        widget, "widget", "ai", "2024-03-10T09:01:00", prompt_tokens=100, completion_tokens=20
    )
    await sa.message(whatsapp, "whatsapp", "contact", "2024-03-10T12:00:00")
    await sa.message(widget, "widget", "agent", "2024-03-11T12:00:00")
    await sa.message(  # Tokyo: 11 March 23:59:59.6, the last instant of the day
        sms, "sms", "ai", "2024-03-11T14:59:59.600000", prompt_tokens=50, completion_tokens=5
    )
    await sa.message(sms, "sms", "contact", "2024-03-11T15:00:00")  # Tokyo: 12 March
    await sa.day("2024-03-09", 5, 1)
    await sa.day("2024-03-10", 10, 3)
    await sa.day("2024-03-11", 6, 0)

    sb = Seeder(hub, b.company_id)
    other = await sb.conversation("sms", "2024-03-10T08:00:00")
    for minute in range(7):
        await sb.message(
            other,
            "sms",
            "ai",
            f"2024-03-10T08:0{minute}:00",
            prompt_tokens=1000,
            completion_tokens=1,
        )
    await sb.day("2024-03-10", 100, 50)
    return a.agent_token, b.agent_token


async def test_figures_in_tokyo_and_utc(server: HubServer) -> None:
    token_a, token_b = await seed(server)

    response = await get(
        server, token_a, **{"from": "2024-03-10", "to": "2024-03-11"}, tz="Asia/Tokyo"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["widget"] == {"visits": 16, "engaged_visits": 3, "engagement_rate": 0.1875}
    messages = body["messages"]
    assert messages["total"] == 6
    assert messages["by_channel"] == {"widget": 3, "sms": 2, "whatsapp": 1}
    assert messages["by_sender"] == {"visitor": 1, "contact": 2, "agent": 1, "ai": 2}
    assert messages["by_day"] == [
        {"day": "2024-03-10", "total": 4, "by_channel": {"widget": 2, "sms": 1, "whatsapp": 1}},
        {"day": "2024-03-11", "total": 2, "by_channel": {"widget": 1, "sms": 1, "whatsapp": 0}},
    ]
    assert body["conversations"] == {
        "total": 2,
        "by_channel": {"widget": 1, "sms": 1, "whatsapp": 0},
    }
    assert body["ai"] == {
        "replies": 2,
        "prompt_tokens": 150,
        "completion_tokens": 25,
        "total_tokens": 175,
    }

    response = await get(server, token_a, **{"from": "2024-03-10", "to": "2024-03-11"}, tz="UTC")
    body = response.json()
    assert body["widget"] == {"visits": 16, "engaged_visits": 3, "engagement_rate": 0.1875}
    assert body["messages"]["total"] == 6
    assert body["messages"]["by_sender"] == {"visitor": 1, "contact": 2, "agent": 1, "ai": 2}
    assert [(d["day"], d["total"]) for d in body["messages"]["by_day"]] == [
        ("2024-03-10", 3),
        ("2024-03-11", 3),
    ]

    # The 23:30 UTC message of 9 March is 10 March in Tokyo.
    response = await get(
        server, token_a, **{"from": "2024-03-10", "to": "2024-03-10"}, tz="Asia/Tokyo"
    )
    assert response.json()["messages"]["by_channel"]["sms"] == 1
    response = await get(
        server, token_a, **{"from": "2024-03-09", "to": "2024-03-09"}, tz="Asia/Tokyo"
    )
    body = response.json()
    assert body["messages"]["total"] == 0
    assert body["widget"] == {"visits": 5, "engaged_visits": 1, "engagement_rate": 0.2}
    response = await get(server, token_a, **{"from": "2024-03-09", "to": "2024-03-09"}, tz="UTC")
    assert response.json()["messages"]["by_day"] == [
        {"day": "2024-03-09", "total": 1, "by_channel": {"widget": 0, "sms": 1, "whatsapp": 0}}
    ]

    # The other company sees only its own.
    body = (await get(server, token_b, **{"from": "2024-03-10", "to": "2024-03-11"})).json()
    assert body["messages"]["total"] == 7
    assert body["messages"]["by_sender"] == {"visitor": 0, "contact": 0, "agent": 0, "ai": 7}
    assert body["conversations"]["total"] == 1
    assert body["widget"] == {"visits": 100, "engaged_visits": 50, "engagement_rate": 0.5}
    assert body["ai"]["prompt_tokens"] == 7000


async def test_empty_range_and_default_range(server: HubServer) -> None:
    company = await server.company()
    body = (
        await get(server, company.agent_token, **{"from": "2024-01-01", "to": "2024-01-01"})
    ).json()
    assert body["widget"] == {"visits": 0, "engaged_visits": 0, "engagement_rate": 0.0}
    assert body["messages"]["total"] == 0
    assert body["conversations"]["total"] == 0

    seeder = Seeder(server, company.company_id)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    conversation = await seeder.conversation("widget", now)
    await seeder.message(conversation, "widget", "visitor", now)
    body = (await get(server, company.agent_token)).json()
    days = body["messages"]["by_day"]
    assert len(days) == 30
    assert days[-1]["day"] == body["to"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert body["messages"]["total"] == 1
    assert body["conversations"]["total"] == 1
    assert body["tz"] == "UTC"


async def test_auth_and_bad_input(server: HubServer) -> None:
    company = await server.company()
    for token in (None, "garbage"):
        response = await get(server, token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    bad = [
        {"from": "2024-13-01"},
        {"from": "20240101"},
        {"to": "yesterday"},
        {"from": "2024-03-11", "to": "2024-03-10"},
        {"from": "2023-01-01", "to": "2024-01-02"},  # 367 days
        {"tz": "Mars/Olympus_Mons"},
        {"tz": "../etc/passwd"},
    ]
    for params in bad:
        response = await get(server, company.agent_token, **params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "bad_request"
    ok = await get(server, company.agent_token, **{"from": "2023-01-01", "to": "2023-12-31"})
    assert ok.status_code == 200
    assert len(ok.json()["messages"]["by_day"]) == 365


async def test_median_first_response_times_human_and_ai_apart(server: HubServer) -> None:
    company = await server.company("Timed")
    seeder = Seeder(server, company.company_id)
    first = await seeder.conversation("widget", "2024-05-01T09:00:00")
    await seeder.message(first, "widget", "visitor", "2024-05-01T09:00:00")
    await seeder.message(first, "widget", "ai", "2024-05-01T09:01:00")  # AI after 60 s
    await seeder.message(first, "widget", "agent", "2024-05-01T10:00:00")  # human after 1 h
    second = await seeder.conversation("sms", "2024-05-01T12:00:00")
    await seeder.message(second, "sms", "contact", "2024-05-01T12:00:00")
    await seeder.message(second, "sms", "agent", "2024-05-01T12:02:00")  # human after 2 min
    outreach = await seeder.conversation("sms", "2024-05-01T13:00:00")
    await seeder.message(outreach, "sms", "agent", "2024-05-01T13:00:00")  # no inbound first
    await seeder.message(outreach, "sms", "contact", "2024-05-01T13:05:00")
    body = (
        await get(server, company.agent_token, **{"from": "2024-05-01", "to": "2024-05-01"})
    ).json()
    assert body["first_response_seconds"] == {"human": 1860.0, "ai": 60.0}
    empty = await get(server, company.agent_token, **{"from": "2024-06-01", "to": "2024-06-01"})
    assert empty.json()["first_response_seconds"] == {"human": None, "ai": None}


async def test_daily_series_for_the_charts(server: HubServer) -> None:
    """`daily`: a row for every day, with that day's visits and engaged visits and the
    first-response medians of the inbound messages of that local day (Tokyo here)."""
    company = await server.company("Charts")
    seeder = Seeder(server, company.company_id)
    await seeder.day("2024-05-01", 8, 2)
    await seeder.day("2024-05-03", 4, 4)
    early = await seeder.conversation("widget", "2024-04-30T16:00:00")  # Tokyo: 1 May 01:00
    await seeder.message(early, "widget", "visitor", "2024-04-30T16:00:00")
    await seeder.message(early, "widget", "ai", "2024-04-30T16:00:30")  # AI after 30 s
    for minutes, start in ((2, "2024-05-01T03:00:00"), (10, "2024-05-01T04:00:00")):
        sms = await seeder.conversation("sms", start)
        await seeder.message(sms, "sms", "contact", start)
        answered = utc(start) + dt.timedelta(minutes=minutes)
        await seeder.message(sms, "sms", "agent", answered.isoformat()[:19])
    late = await seeder.conversation("sms", "2024-05-02T20:00:00")  # Tokyo: 3 May 05:00
    await seeder.message(late, "sms", "contact", "2024-05-02T20:00:00")
    await seeder.message(late, "sms", "agent", "2024-05-02T20:05:00")  # human after 5 min

    params = {"from": "2024-05-01", "to": "2024-05-03", "tz": "Asia/Tokyo"}
    body = (await get(server, company.agent_token, **params)).json()
    assert body["daily"] == [
        {
            "day": "2024-05-01",
            "visits": 8,
            "engaged_visits": 2,
            "first_response_seconds": {"human": 360.0, "ai": 30.0},
        },
        {
            "day": "2024-05-02",
            "visits": 0,
            "engaged_visits": 0,
            "first_response_seconds": {"human": None, "ai": None},
        },
        {
            "day": "2024-05-03",
            "visits": 4,
            "engaged_visits": 4,
            "first_response_seconds": {"human": 300.0, "ai": None},
        },
    ]
    assert sum(d["visits"] for d in body["daily"]) == body["widget"]["visits"]
    # Another company's day is empty, not theirs.
    other = await server.company("Other")
    body = (await get(server, other.agent_token, **params)).json()
    assert [d["visits"] for d in body["daily"]] == [0, 0, 0]
    assert all(d["first_response_seconds"]["human"] is None for d in body["daily"])
