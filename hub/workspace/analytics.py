"""Company analytics: message, conversation and widget figures over a range of local days.

Every figure comes from counters the database keeps as rows are inserted, in the inserting
transaction (migration 0008's triggers; hub.persistence.models): `message_counts`,
`conversation_counts` and `response_times`, per company and quarter hour. They name no
conversation, contact or message, so erasing a person or purging old messages changes no
figure, and a range costs what its quarter hours with activity cost, however many messages
they hold: a year or all time answers in milliseconds (bench/analytics_scale.py).

- The range is the UTC interval [`start` 00:00 in `tz`, `end + 1 day` 00:00 in `tz`); Python
  computes each local day's UTC bounds, so a day is [its 00:00, the next day's 00:00) in
  `tz` whatever the offsets. Every zone's offset has been a whole number of quarter hours
  since 1972 (India +5:30, Nepal +5:45, Chatham +12:45), so a local day is an exact run of
  quarter-hour buckets; an older local-mean-time edge is rounded down to its quarter hour.
- `from=all`: the range starts on the local day of the company's first count.
- `messages` and `ai`: the days as a VALUES list joined to `message_counts` by bucket range,
  one statement per 1,000 days, summed per day with FILTERed sums over the contract's
  channels and senders (and over the PostgreSQL shards).
- `first_response_seconds`: a histogram of whole seconds from a conversation's first
  inbound message to its first agent and first AI reply after it, counted by the quarter
  hour of that inbound message; the medians are found in SQL with running sums.
- `conversations`: conversations created in the range, by channel.
- `satisfaction`: visitors' ratings given in the range (hub.conversations.ratings), read from
  the `ratings` table by its (company_id, created_at) index; unlike the counters, erasing a
  contact removes their ratings from it.
- `widget`: visit counters are kept per UTC day (`daily_stats`), so visits and engaged visits
  are the sums of the rows whose UTC `day` lies within [`start`, `end`], whatever `tz` is.
- `daily`: one row per day of the range, for charts: that UTC day's visits and engaged visits,
  and the medians of first responses whose inbound message fell on that local day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, Integer, and_, bindparam, column, func, select, values
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.conversations import ratings
from hub.persistence import repository as repo
from hub.persistence.db import Database

CHANNELS = ("widget", "sms", "whatsapp")
SENDERS = ("visitor", "contact", "agent", "ai")
RESPONDERS = {"agent": "human", "ai": "ai"}
MAX_DAYS = 366  # for an explicit `from`; `from=all` spans the company's history
DEFAULT_DAYS = 30
ALL_TIME = "all"
AI_FIGURES = ("replies", "prompt_tokens", "completion_tokens")
BUCKET_SECONDS = 900  # the counters' quarter hours (migration 0008)
DAYS_PER_STATEMENT = 1000  # 3,000 bind parameters: within every backend's limit


class RangeError(ValueError):
    """A `from`/`to`/`tz` the analytics cannot use (the message says why)."""


@dataclass(frozen=True)
class DayRange:
    start: dt.date
    end: dt.date
    tz: ZoneInfo
    # `from=all`: `start` is provisional until the company's first count is looked up.
    all_time: bool = False

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


def bucket_of(at: dt.datetime) -> int:
    """The counters' bucket of an instant: the Unix time of its quarter hour's start."""
    seconds = int(at.timestamp())
    return seconds - seconds % BUCKET_SECONDS


# The days a range may name: a day past either end must still be a datetime in any zone
# (9999-12-31 was a 500: the API fuzz run, issue 21).
FIRST_DAY, LAST_DAY = dt.date(1970, 1, 1), dt.date(9000, 12, 31)


def parse_range(
    start: str | None, end: str | None, tz: str | None, *, now: dt.datetime | None = None
) -> DayRange:
    """The range a request names; by default the last 30 days ending today in `tz`.
    `start` may be "all": from the company's first count (resolved by `compute`)."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise RangeError(f"unknown time zone: {tz!r}") from None
    today = (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()
    end_day = _parse_day("to", end) if end else today
    if start == ALL_TIME:
        return DayRange(end_day, end_day, zone, all_time=True)
    start_day = (
        _parse_day("from", start) if start else end_day - dt.timedelta(days=DEFAULT_DAYS - 1)
    )
    if start_day > end_day:
        raise RangeError("from must not be after to")
    if (end_day - start_day).days + 1 > MAX_DAYS:
        raise RangeError(f"the range may span at most {MAX_DAYS} days (or use from=all)")
    return DayRange(start_day, end_day, zone)


def _parse_day(name: str, value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else _bad_day(name, value)
    except ValueError:
        return _bad_day(name, value)
    if not FIRST_DAY <= day <= LAST_DAY:  # the range's ends, a day on, must stay datetimes
        raise RangeError(f"{name} must be from {FIRST_DAY} to {LAST_DAY}, not {value}")
    return day


def _bad_day(name: str, value: str) -> dt.date:
    raise RangeError(f"{name} must be a date YYYY-MM-DD or 'all', not {value!r}")


async def report(db: Database, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document as `GET /api/analytics` reads it: one read transaction (under
    the caller's tenant, hub.persistence.tenancy), off the event loop's thread on SQLite."""
    async with db.read(offload=True) as conn:
        return await compute(conn, company_id, days)


async def compute(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document for one company over `days`, on `conn`'s transaction."""
    await _tune(conn)
    if days.all_time:
        days = await _from_first_count(conn, company_id, days)
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
        "satisfaction": await ratings.satisfaction(conn, company_id, days.since, days.until),
        "daily": await _daily(conn, company_id, days),
    }


async def _tune(conn: AsyncConnection) -> None:
    """PostgreSQL settings for this transaction only:

    - plan_cache_mode: always plan for this company and these days. From a pooled
      connection's sixth call on, PostgreSQL may reuse a generic plan made without the
      parameters (it chose a scan of a whole table joined to every day, before 0008).
    - jit: off. It compiled for 60-110 ms per statement and made these scans no faster.
    """
    if conn.dialect.name == "postgresql":
        settings = {"plan_cache_mode": "force_custom_plan", "jit": "off"}
        await conn.execute(select(*(func.set_config(k, v, True) for k, v in settings.items())))


async def _from_first_count(conn: AsyncConnection, company_id: str, days: DayRange) -> DayRange:
    """`days` starting on the local day of the company's first count (messages,
    conversations, or a UTC day of visits), or on `end` when there is none before it."""
    firsts = []
    for counter in (repo.message_counts, repo.conversation_counts):
        stmt = select(func.min(counter.c.bucket)).where(counter.c.company_id == company_id)
        bucket = (await conn.execute(stmt)).scalar()
        if bucket is not None:
            firsts.append(dt.datetime.fromtimestamp(int(bucket), dt.UTC).astimezone(days.tz).date())
    s = repo.daily_stats
    first_visit = (
        await conn.execute(select(func.min(s.c.day)).where(s.c.company_id == company_id))
    ).scalar()
    if first_visit is not None:
        firsts.append(first_visit)
    return dataclasses.replace(days, start=min([*firsts, days.end]))


def _day_bounds(count: int) -> Any:
    """`count` local days as a VALUES list of bound parameters: (day number, first bucket,
    first bucket of the next day). Only `count` shapes the statement, so SQLAlchemy compiles
    it once per length and reuses it (a 366-day list took 30 ms to compile)."""
    rows = [
        (
            bindparam(f"d{i}", type_=Integer),
            bindparam(f"s{i}", type_=BigInteger),
            bindparam(f"u{i}", type_=BigInteger),
        )
        for i in range(count)
    ]
    columns = (column("day", Integer), column("since", BigInteger), column("until", BigInteger))
    return values(*columns, name="days").data(rows).cte("days")


def _day_params(edges: Sequence[dt.datetime], first_day: int) -> dict[str, int]:
    """The parameters of `_day_bounds` for the days between `edges`."""
    buckets = [bucket_of(edge) for edge in edges]
    params: dict[str, int] = {}
    for i, (since, until) in enumerate(pairwise(buckets)):
        params |= {f"d{i}": first_day + i, f"s{i}": since, f"u{i}": until}
    return params


def _sums() -> list[Any]:
    """A day's sums, labelled as `_Tally.add` reads them: FILTERed on the contract's channels
    and senders, so one row per day comes back."""
    m = repo.message_counts
    n = m.c.messages
    return [
        func.sum(n).label("total"),
        *(func.sum(n).filter(m.c.channel == c).label(f"channel_{c}") for c in CHANNELS),
        *(func.sum(n).filter(m.c.sender == s).label(f"sender_{s}") for s in SENDERS),
        func.sum(m.c.ai_replies).label("replies"),
        func.sum(m.c.prompt_tokens).label("prompt_tokens"),
        func.sum(m.c.completion_tokens).label("completion_tokens"),
    ]


class _Tally:
    """A range's message counts: per local day and channel, per sender, and AI tokens."""

    def __init__(self, days: list[dt.date]) -> None:
        self.days = days
        self.totals = [0] * len(days)
        self.by_day = [dict.fromkeys(CHANNELS, 0) for _ in days]
        self.by_sender = dict.fromkeys(SENDERS, 0)
        self.ai = dict.fromkeys(AI_FIGURES, 0)

    def add(self, day: int, sums: Mapping[Any, Any]) -> None:
        """One day's sums (`_sums`); a SUM over no rows is NULL."""
        self.totals[day] += int(sums["total"] or 0)
        for channel in CHANNELS:
            self.by_day[day][channel] += int(sums[f"channel_{channel}"] or 0)
        for sender in SENDERS:
            self.by_sender[sender] += int(sums[f"sender_{sender}"] or 0)
        for figure in AI_FIGURES:
            self.ai[figure] += int(sums[figure] or 0)

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
    """Every day's sums, DAYS_PER_STATEMENT days a statement (days without messages are
    left out). Each day is its own range of the counters' primary key."""
    tally = _Tally(days.days())
    edges = days.edges()
    m = repo.message_counts
    for first in range(0, len(edges) - 1, DAYS_PER_STATEMENT):
        chunk = edges[first : first + DAYS_PER_STATEMENT + 1]
        bounds = _day_bounds(len(chunk) - 1)
        joined = bounds.join(
            m,
            and_(
                m.c.company_id == company_id,
                m.c.bucket >= bounds.c.since,
                m.c.bucket < bounds.c.until,
            ),
        )
        stmt = select(bounds.c.day, *_sums()).select_from(joined).group_by(bounds.c.day)
        for row in (await conn.execute(stmt, _day_params(chunk, first))).mappings():
            tally.add(row["day"], row)
    return tally


def _in_range(counter: Any, company_id: str, days: DayRange) -> list[Any]:
    """The conditions for `counter`'s rows of the company within the range."""
    return [
        counter.c.company_id == company_id,
        counter.c.bucket >= bucket_of(days.since),
        counter.c.bucket < bucket_of(days.until),
    ]


async def _conversations(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    c = repo.conversation_counts
    by_channel = dict.fromkeys(CHANNELS, 0)
    stmt = (
        select(c.c.channel, func.sum(c.c.conversations))
        .where(*_in_range(c, company_id, days))
        .group_by(c.c.channel)
    )
    for channel, count in await conn.execute(stmt):
        by_channel[channel] = int(count)
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
    """Median seconds from a conversation's first inbound message (within the range) to its
    first human (agent) and its first AI reply after it: the histogram's middle entries."""
    r = repo.response_times
    histogram = (
        select(r.c.responder, r.c.seconds, func.sum(r.c.conversations).label("n"))
        .where(*_in_range(r, company_id, days))
        .group_by(r.c.responder, r.c.seconds)
        .subquery("histogram")
    )
    running = select(
        histogram,
        func.sum(histogram.c.n)
        .over(partition_by=histogram.c.responder, order_by=histogram.c.seconds)
        .label("upto"),
        func.sum(histogram.c.n).over(partition_by=histogram.c.responder).label("total"),
    ).subquery("running")
    # Of T values the middle ones are at positions ceil(T/2) and floor(T/2) + 1; keep the
    # entries holding them: upto >= T/2 and (upto - n) < T/2 + 1, doubled to stay integer.
    middle = (
        select(running)
        .where(running.c.upto * 2 >= running.c.total)
        .where((running.c.upto - running.c.n) * 2 < running.c.total + 2)
        .order_by(running.c.responder, running.c.seconds)
    )
    found: dict[str, list[Any]] = {}
    for row in await conn.execute(middle):
        found.setdefault(row.responder, []).append(row)
    medians: dict[str, float | None] = dict.fromkeys(RESPONDERS.values())
    for responder, rows in found.items():
        medians[RESPONDERS[responder]] = _median(rows)
    return medians


def _median(rows: Sequence[Any]) -> float:
    """The median of a histogram from its middle entries (seconds, n, upto, total)."""
    total = int(rows[0].total)

    def at(position: int) -> int:
        return next(int(r.seconds) for r in rows if int(r.upto) - int(r.n) < position <= r.upto)

    return (at((total + 1) // 2) + at(total // 2 + 1)) / 2


async def _daily(conn: AsyncConnection, company_id: str, days: DayRange) -> list[dict[str, Any]]:
    """One row per day of the range for charts: its visits and engaged visits (the UTC day's
    counters, as `widget` sums them) and its first-response medians (`_first_responses` per
    local day of the inbound message)."""
    all_days = days.days()
    visits = await _visits_by_day(conn, company_id, days)
    medians = await _daily_medians(conn, company_id, days)
    return [
        {
            "day": day.isoformat(),
            "visits": visits.get(day, (0, 0))[0],
            "engaged_visits": visits.get(day, (0, 0))[1],
            "first_response_seconds": medians[i],
        }
        for i, day in enumerate(all_days)
    ]


async def _visits_by_day(
    conn: AsyncConnection, company_id: str, days: DayRange
) -> dict[dt.date, tuple[int, int]]:
    s = repo.daily_stats
    stmt = select(s.c.day, s.c.visits, s.c.engaged_visits).where(
        s.c.company_id == company_id, s.c.day >= days.start, s.c.day <= days.end
    )
    return {row.day: (int(row.visits), int(row.engaged_visits)) for row in await conn.execute(stmt)}


async def _daily_medians(
    conn: AsyncConnection, company_id: str, days: DayRange
) -> list[dict[str, float | None]]:
    """Each local day's median first response, human and AI: the histogram per day and
    responder, with running sums partitioned the same way, DAYS_PER_STATEMENT days a time."""
    medians: list[dict[str, float | None]] = [
        dict.fromkeys(RESPONDERS.values()) for _ in days.days()
    ]
    edges = days.edges()
    for first in range(0, len(edges) - 1, DAYS_PER_STATEMENT):
        chunk = edges[first : first + DAYS_PER_STATEMENT + 1]
        found: dict[tuple[int, str], list[Any]] = {}
        stmt = _daily_middle(company_id, len(chunk) - 1)
        for row in await conn.execute(stmt, _day_params(chunk, first)):
            found.setdefault((int(row.day), row.responder), []).append(row)
        for (day, responder), rows in found.items():
            medians[day][RESPONDERS[responder]] = _median(rows)
    return medians


def _daily_middle(company_id: str, count: int) -> Any:
    """The middle histogram entries of each (day, responder), as `_first_responses` finds
    them for the whole range."""
    r = repo.response_times
    bounds = _day_bounds(count)
    joined = bounds.join(
        r,
        and_(
            r.c.company_id == company_id, r.c.bucket >= bounds.c.since, r.c.bucket < bounds.c.until
        ),
    )
    histogram = (
        select(bounds.c.day, r.c.responder, r.c.seconds, func.sum(r.c.conversations).label("n"))
        .select_from(joined)
        .group_by(bounds.c.day, r.c.responder, r.c.seconds)
        .subquery("histogram")
    )
    part = (histogram.c.day, histogram.c.responder)
    running = select(
        histogram,
        func.sum(histogram.c.n).over(partition_by=part, order_by=histogram.c.seconds).label("upto"),
        func.sum(histogram.c.n).over(partition_by=part).label("total"),
    ).subquery("running")
    return (
        select(running)
        .where(running.c.upto * 2 >= running.c.total)
        .where((running.c.upto - running.c.n) * 2 < running.c.total + 2)
        .order_by(running.c.day, running.c.responder, running.c.seconds)
    )
