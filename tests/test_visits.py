"""Visits per visitor and visit window, and the purge of sessions that never wrote (issue 18).

The service runs on a clock the test sets, so windows and idle periods pass without sleeps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hub.bus.memory import MemoryBus
from hub.conversations.service import ConversationService
from hub.conversations.visitors import Visitor, VisitorContext, VisitorService
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.settings import Settings, SettingsError
from hub.workspace import analytics
from hub.workspace.companies import create_company
from tests.conftest import make_settings

START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
DAY = START.date()
PAGE = VisitorContext(page_url="https://shop.example/", user_agent="Mozilla/5.0 Firefox/120.0")


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Site:
    db: Database
    visitors: VisitorService
    company_id: str
    clock: Clock = field(default_factory=Clock)

    async def hello(self, visit_id: str, session: str | None = None) -> Visitor:
        return await self.visitors.hello(self.company_id, visit_id, session, PAGE)

    async def totals(self) -> tuple[int, int]:
        async with self.db.read(system=True) as conn:
            row = await repo.day_totals(conn, self.company_id, DAY)
        return (0, 0) if row is None else (int(row.visits), int(row.engaged_visits))

    async def rows(self) -> dict[str, int]:
        counts = {}
        async with self.db.read(system=True) as conn:
            for table in (repo.widget_sessions, repo.visits):
                stmt = select(func.count()).select_from(table)
                counts[table.name] = int((await conn.execute(stmt)).scalar_one())
        return counts

    async def report(self) -> Any:
        days = analytics.DayRange(DAY, DAY, ZoneInfo("UTC"))
        return (await analytics.report(self.db, self.company_id, days))["widget"]


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[Site]:
    if database_url.startswith("sqlite"):
        await upgrade(database_url)
    db = Database(database_url)
    company = await create_company(db, make_settings(database_url), "Acme")
    clock = Clock()
    visitors = VisitorService(
        ConversationService(db, MemoryBus()),
        visit_window=dt.timedelta(minutes=30),
        idle_retention=dt.timedelta(hours=24),
        clock=clock,
    )
    yield Site(db, visitors, company.company_id, clock)
    await db.close()


async def test_page_loads_within_the_window_are_one_visit(site: Site) -> None:
    first = await site.hello("page-1")
    await site.visitors.engage(first)
    for n in (2, 3):  # two reloads, each a new page view, 20 minutes apart
        site.clock.advance(minutes=20)
        again = await site.hello(f"page-{n}", first.session_token)
        assert again.session_token == first.session_token
        assert again.engaged  # the visit's engagement carries over: counted once
        await site.visitors.engage(again)
    assert await site.totals() == (1, 1)
    assert await site.report() == {"visits": 1, "engaged_visits": 1, "engagement_rate": 1.0}
    assert (await site.rows())["visits"] == 1  # no row per page load

    site.clock.advance(minutes=31)  # the window has passed since the last page load
    later = await site.hello("page-4", first.session_token)
    assert not later.engaged
    assert await site.totals() == (2, 1)
    assert await site.report() == {"visits": 2, "engaged_visits": 1, "engagement_rate": 0.5}


async def test_a_reconnect_of_a_counted_page_view_is_the_same_visit(site: Site) -> None:
    first = await site.hello("page-1")
    site.clock.advance(minutes=45)
    await site.hello("page-1", first.session_token)  # a reconnect, even after the window
    await site.hello("page-1")  # or with a session the hub no longer knows
    assert await site.totals() == (1, 0)


async def test_sessions_that_never_wrote_are_purged_after_the_idle_period(site: Site) -> None:
    idle = [await site.hello(f"idle-{n}") for n in range(5)]
    writer = await site.hello("writer")
    await site.visitors.send(writer, "c1", "hello, is anyone there?")
    open_tab = await site.hello("open-tab")
    site.visitors.opened(open_tab)  # a socket still open on this process
    before = await site.totals()
    assert before == (7, 1)

    site.clock.advance(hours=23)
    assert await site.visitors.purge_idle() == 0  # not idle long enough
    site.clock.advance(hours=2)
    assert await site.visitors.purge_idle() == 5
    assert await site.rows() == {"widget_sessions": 2, "visits": 2}  # the writer, the open tab
    assert await site.totals() == before  # counters stay exact
    assert await site.report() == {"visits": 7, "engaged_visits": 1, "engagement_rate": 0.1429}

    site.clock.advance(days=30)
    site.visitors.closed(open_tab)
    assert await site.visitors.purge_idle() == 0  # its close counts as its last activity
    site.clock.advance(hours=25)
    assert await site.visitors.purge_idle() == 1  # the open tab's, a day after it closed
    resumed = await site.hello("writer-back", writer.session_token)
    assert resumed.resumed and resumed.conversation_id == writer.conversation_id
    gone = await site.hello("idle-back", idle[0].session_token)
    assert gone.session_token != idle[0].session_token  # a new session: nothing to resume


def test_the_window_and_the_retention_are_settings() -> None:
    assert (Settings.visit_window, Settings.idle_session_retention) == (1800.0, 86400.0)
    env = {"HUB_VISIT_WINDOW": "60", "HUB_IDLE_SESSION_RETENTION": "3600"}
    settings = Settings.from_env({"DATABASE_URL": "sqlite://", **env})
    assert (settings.visit_window, settings.idle_session_retention) == (60.0, 3600.0)
    with pytest.raises(SettingsError, match="HUB_VISIT_WINDOW"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "HUB_VISIT_WINDOW": "soon"})
