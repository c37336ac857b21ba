"""Company analytics: message, conversation and widget figures over a range of local days.

Every figure is computed in the database, scoped to one company, and stays fast on a company
with a million messages (bench/analytics_scale.py measures it; docs/operations.md has the
figures). Messages are read only through the covering index `ix_messages_company_created`.

- The range is the UTC interval [`start` 00:00 in `tz`, `end + 1 day` 00:00 in `tz`); Python
  computes each local day's UTC bounds, so a day is [its 00:00, the next day's 00:00) in
  `tz` whatever the offsets, and every day is its own index range scan.
- `messages` and `ai`: one pass. Per day, counts by channel and by sender, and the AI
  replies' token sums (FILTERed aggregates over the contract's channels and senders); totals
  are sums of the days. PostgreSQL joins the days (a VALUES list) to messages in one
  statement; SQLite runs one statement a day, as it can only GROUP BY by sorting.
- `first_response_seconds`: a second pass groups the range's messages by conversation and
  returns each conversation's gaps, in whole microseconds (exact on both backends), from
  its first inbound message to its first agent and first AI message; Python takes the
  medians.
- `conversations`: conversations created in that interval, by channel.
- `widget`: visit counters are kept per UTC day (`daily_stats`), so visits and engaged visits
  are the sums of the rows whose UTC `day` lies within [`start`, `end`], whatever `tz` is.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    column,
    extract,
    func,
    or_,
    select,
    values,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import UTCDateTime

CHANNELS = ("widget", "sms", "whatsapp")
SENDERS = ("visitor", "contact", "agent", "ai")
MAX_DAYS = 366
DEFAULT_DAYS = 30
AI_FIGURES = ("replies", "prompt_tokens", "completion_tokens")
# PostgreSQL work_mem for an analytics transaction (see _tune).
WORK_MEM = "32MB"


class RangeError(ValueError):
    """A `from`/`to`/`tz` the analytics cannot use (the message says why)."""


@dataclass(frozen=True)
class DayRange:
    start: dt.date
    end: dt.date
    tz: ZoneInfo

    @property
    def since(self) -> dt.datetime:
        """The first instant of `start` in `tz`, in UTC."""
        return _local_midnight(self.start, self.tz)

    @property
    def until(self) -> dt.datetime:
        """The first instant after `end` in `tz`, in UTC (exclusive)."""
        return _local_midnight(self.end + dt.timedelta(days=1), self.tz)

    def days(self) -> list[dt.date]:
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=i) for i in range(count)]

    def edges(self) -> list[dt.datetime]:
        """Each day's first instant in `tz`, in UTC, then `until`: local day i is the
        interval [edges[i], edges[i + 1])."""
        return [_local_midnight(day, self.tz) for day in self.days()] + [self.until]


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def parse_range(
    start: str | None, end: str | None, tz: str | None, *, now: dt.datetime | None = None
) -> DayRange:
    """The range a request names; by default the last 30 days ending today in `tz`."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise RangeError(f"unknown time zone: {tz!r}") from None
    today = (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()
    end_day = _parse_day("to", end) if end else today
    start_day = (
        _parse_day("from", start) if start else end_day - dt.timedelta(days=DEFAULT_DAYS - 1)
    )
    if start_day > end_day:
        raise RangeError("from must not be after to")
    if (end_day - start_day).days + 1 > MAX_DAYS:
        raise RangeError(f"the range may span at most {MAX_DAYS} days")
    return DayRange(start_day, end_day, zone)


def _parse_day(name: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad_day(name, value)
    except ValueError:
        return _bad_day(name, value)


def _bad_day(name: str, value: str) -> dt.date:
    raise RangeError(f"{name} must be a date YYYY-MM-DD, not {value!r}")


async def report(db: Database, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document as `GET /api/analytics` reads it: one read transaction (under
    the caller's tenant, hub.persistence.tenancy), off the event loop's thread on SQLite, since
    a big range takes long enough to stall every socket of the process."""
    async with db.read(offload=True) as conn:
        return await compute(conn, company_id, days)


async def compute(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document for one company over `days`, on `conn`'s transaction."""
    await _tune(conn)
    tally = await _tally(conn, company_id, days)
    return {
        "from": days.start.isoformat(),
        "to": days.end.isoformat(),
        "tz": days.tz.key,
        "widget": await _widget(conn, company_id, days),
        "messages": tally.messages(),
        "conversations": await _conversations(conn, company_id, days),
        "ai": tally.ai_usage(),
        "first_response_seconds": await _first_responses(conn, company_id, days),
    }


async def _tune(conn: AsyncConnection) -> None:
    """PostgreSQL settings for this transaction only:

    - plan_cache_mode: always plan for this company and these days. From a pooled
      connection's sixth call on, PostgreSQL may reuse a generic plan made without the
      parameters; for the day totals it chose a parallel scan of the whole table joined
      to every day (4.4-5.9 s for 30 days at 1M messages, against ~0.3 s planned for real).
    - work_mem: room for the per-conversation hash table (about 200 bytes a conversation),
      which spills to disk at the default 4 MB.
    - jit: off. It compiled for 60-110 ms per statement and made these scans no faster.
    """
    if conn.dialect.name == "postgresql":
        settings = {"plan_cache_mode": "force_custom_plan", "work_mem": WORK_MEM, "jit": "off"}
        await conn.execute(select(*(func.set_config(k, v, True) for k, v in settings.items())))


def _day_bounds(days: DayRange) -> Any:
    """The range's local days as a VALUES list: (day number, UTC since, UTC until)."""
    edges = days.edges()
    rows = [(number, since, until) for number, (since, until) in enumerate(pairwise(edges))]
    columns = (column("day", Integer), column("since", UTCDateTime), column("until", UTCDateTime))
    return values(*columns, name="days").data(rows).cte("days")


def _by_day(company_id: str, bounds: Any) -> Any:
    """messages joined to the day bounds. Each day is its own index range scan, so the plan
    reads the covering index even when the range spans most of the table (one range over
    90 days made PostgreSQL pick a scan of the whole table instead)."""
    m = repo.messages
    return bounds.join(
        m,
        and_(
            m.c.company_id == company_id,
            m.c.created_at >= bounds.c.since,
            m.c.created_at < bounds.c.until,
        ),
    )


def _counts() -> list[Any]:
    """A day's aggregates, labelled as `_Tally.add` reads them. Counting with FILTER on the
    contract's channels and senders needs no GROUP BY on them (see `_day_rows_one_by_one`)."""
    m = repo.messages
    ai = m.c.sender == "ai"
    return [
        func.count().label("total"),
        *(func.count().filter(m.c.channel == c).label(f"channel_{c}") for c in CHANNELS),
        *(func.count().filter(m.c.sender == s).label(f"sender_{s}") for s in SENDERS),
        func.count(m.c.prompt_tokens).filter(ai).label("replies"),
        func.sum(m.c.prompt_tokens).filter(ai).label("prompt_tokens"),
        func.sum(m.c.completion_tokens).filter(ai).label("completion_tokens"),
    ]


class _Tally:
    """A range's message counts: per local day and channel, per sender, and AI tokens."""

    def __init__(self, days: list[dt.date]) -> None:
        self.days = days
        self.totals = [0] * len(days)
        self.by_day = [dict.fromkeys(CHANNELS, 0) for _ in days]
        self.by_sender = dict.fromkeys(SENDERS, 0)
        self.ai = dict.fromkeys(AI_FIGURES, 0)

    def add(self, day: int, counts: Mapping[Any, Any]) -> None:
        """One day's aggregates (`_counts`); a SUM over no rows is NULL."""
        self.totals[day] += counts["total"]
        for channel in CHANNELS:
            self.by_day[day][channel] += counts[f"channel_{channel}"]
        for sender in SENDERS:
            self.by_sender[sender] += counts[f"sender_{sender}"]
        for figure in AI_FIGURES:
            self.ai[figure] += int(counts[figure] or 0)

    def messages(self) -> dict[str, Any]:
        by_channel = {c: sum(counts[c] for counts in self.by_day) for c in CHANNELS}
        by_day = [
            {"day": day.isoformat(), "total": total, "by_channel": counts}
            for day, total, counts in zip(self.days, self.totals, self.by_day, strict=True)
        ]
        return {
            "total": sum(self.totals),
            "by_channel": by_channel,
            "by_sender": self.by_sender,
            "by_day": by_day,
        }

    def ai_usage(self) -> dict[str, int]:
        return {**self.ai, "total_tokens": self.ai["prompt_tokens"] + self.ai["completion_tokens"]}


async def _tally(conn: AsyncConnection, company_id: str, days: DayRange) -> _Tally:
    tally = _Tally(days.days())
    if conn.dialect.name == "sqlite":
        rows = await _day_rows_one_by_one(conn, company_id, days)
    else:
        rows = await _day_rows(conn, company_id, days)
    for row in rows:
        tally.add(row["day"], row)
    return tally


async def _day_rows(
    conn: AsyncConnection, company_id: str, days: DayRange
) -> list[Mapping[Any, Any]]:
    """Every day's aggregates in one statement (days without messages are left out)."""
    bounds = _day_bounds(days)
    stmt = (
        select(bounds.c.day, *_counts())
        .select_from(_by_day(company_id, bounds))
        .group_by(bounds.c.day)
    )
    return list((await conn.execute(stmt)).mappings().all())


async def _day_rows_one_by_one(
    conn: AsyncConnection, company_id: str, days: DayRange
) -> list[Mapping[Any, Any]]:
    """SQLite: one statement a day. SQLite groups by sorting, and sorting a million rows by
    day took twice as long as the scan and the counting together; one day's aggregates need
    no GROUP BY, and a SQLite statement is no network round trip."""
    m = repo.messages
    stmt = select(*_counts()).where(
        m.c.company_id == company_id,
        m.c.created_at >= bindparam("since"),
        m.c.created_at < bindparam("until"),
    )
    rows: list[Mapping[Any, Any]] = []
    for day, (since, until) in enumerate(pairwise(days.edges())):
        counts = (await conn.execute(stmt, {"since": since, "until": until})).mappings().one()
        rows.append({**counts, "day": day})
    return rows


async def _conversations(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    c = repo.conversations
    by_channel = dict.fromkeys(CHANNELS, 0)
    stmt = (
        select(c.c.channel, func.count())
        .where(c.c.company_id == company_id, c.c.created_at >= days.since)
        .where(c.c.created_at < days.until)
        .group_by(c.c.channel)
    )
    for channel, count in await conn.execute(stmt):
        by_channel[channel] = count
    return {"total": sum(by_channel.values()), "by_channel": by_channel}


async def _widget(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    s = repo.daily_stats
    row = (
        await conn.execute(
            select(
                func.coalesce(func.sum(s.c.visits), 0),
                func.coalesce(func.sum(s.c.engaged_visits), 0),
            ).where(s.c.company_id == company_id, s.c.day >= days.start, s.c.day <= days.end)
        )
    ).one()
    visits, engaged = int(row[0]), int(row[1])
    return {
        "visits": visits,
        "engaged_visits": engaged,
        "engagement_rate": round(engaged / visits, 4) if visits else 0.0,
    }


async def _first_responses(
    conn: AsyncConnection, company_id: str, days: DayRange
) -> dict[str, float | None]:
    """Median seconds from a conversation's first inbound message to its first human (agent)
    and its first AI message after it, counting only the range's messages."""
    m = repo.messages

    def first(condition: Any) -> Any:
        return func.min(m.c.created_at).filter(condition)

    firsts = (
        select(
            first(m.c.direction == "inbound").label("inbound"),
            first(m.c.sender == "agent").label("agent"),
            first(m.c.sender == "ai").label("ai"),
        )
        .select_from(_by_day(company_id, _day_bounds(days)))
        .group_by(m.c.conversation_id)
        .subquery("firsts")
    )

    def gap(reply: Any) -> Any:
        later = reply > firsts.c.inbound
        return case((later, _epoch_us(conn, reply) - _epoch_us(conn, firsts.c.inbound)))

    # Only conversations with a reply after the first inbound message come back.
    stmt = select(gap(firsts.c.agent), gap(firsts.c.ai)).where(
        or_(firsts.c.agent > firsts.c.inbound, firsts.c.ai > firsts.c.inbound)
    )
    human: list[float] = []
    ai: list[float] = []
    for to_agent, to_ai in await conn.execute(stmt):
        for gap_us, into in ((to_agent, human), (to_ai, ai)):
            if gap_us is not None:
                into.append(int(gap_us) / 1_000_000)
    return {"human": _median(human), "ai": _median(ai)}


def _epoch_us(conn: AsyncConnection, column: Any) -> Any:
    """Whole microseconds since the epoch of a timestamp, exact on both backends (a float
    would round), so a gap is the same number of seconds as Python's timedelta makes it."""
    if conn.dialect.name == "postgresql":
        return cast(extract("epoch", column) * 1_000_000, BigInteger)
    # SQLite holds 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds, then the six digits.
    seconds = cast(func.strftime("%s", column), BigInteger)
    return seconds * 1_000_000 + cast(func.substr(column, 21), BigInteger)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None
