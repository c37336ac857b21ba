"""Company analytics: message, conversation and widget figures over a range of local days.

Every figure is computed in the database with GROUP BY, scoped to one company:

- `messages`: totals by channel and by sender, AI token usage, and a per-day series. The range
  is the UTC interval [`start` 00:00 in `tz`, `end + 1 day` 00:00 in `tz`). For the per-day
  series the database groups messages into 15-minute UTC buckets (epoch seconds // 900, the
  same integer on SQLite and PostgreSQL); Python then maps each bucket to its local day. Every
  time zone in use today is offset from UTC by a multiple of 15 minutes, so a bucket never
  straddles a local midnight.
- `conversations`: conversations created in that interval, by channel.
- `widget`: visit counters are kept per UTC day (`daily_stats`), so visits and engaged visits
  are the sums of the rows whose UTC `day` lies within [`start`, `end`], whatever `tz` is.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, case, cast, extract, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database

CHANNELS = ("widget", "sms", "whatsapp")
SENDERS = ("visitor", "contact", "agent", "ai")
MAX_DAYS = 366
DEFAULT_DAYS = 30
BUCKET_SECONDS = 900


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


def _bucket(conn: AsyncConnection, column: Any) -> Any:
    """Epoch seconds // BUCKET_SECONDS of a timestamp column, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        seconds = cast(func.floor(extract("epoch", column)), BigInteger)
    else:
        seconds = cast(func.strftime("%s", column), BigInteger)
    return seconds // BUCKET_SECONDS


async def report(db: Database, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document as `GET /api/analytics` reads it: one read transaction (under
    the caller's tenant, hub.persistence.tenancy), off the event loop's thread on SQLite, since
    a big range takes long enough to stall every socket of the process."""
    async with db.read(offload=True) as conn:
        return await compute(conn, company_id, days)


async def compute(conn: AsyncConnection, company_id: str, days: DayRange) -> dict[str, Any]:
    """The analytics document for one company over `days`, on `conn`'s transaction."""
    m = repo.messages
    in_range = (
        m.c.company_id == company_id,
        m.c.created_at >= days.since,
        m.c.created_at < days.until,
    )
    messages = await _messages(conn, in_range)
    messages["by_day"] = await _by_day(conn, in_range, days)
    return {
        "from": days.start.isoformat(),
        "to": days.end.isoformat(),
        "tz": days.tz.key,
        "widget": await _widget(conn, company_id, days),
        "messages": messages,
        "conversations": await _conversations(conn, company_id, days),
        "ai": await _ai_usage(conn, in_range),
        "first_response_seconds": await _first_responses(conn, in_range),
    }


async def _messages(conn: AsyncConnection, in_range: tuple[Any, ...]) -> dict[str, Any]:
    m = repo.messages
    by_channel = dict.fromkeys(CHANNELS, 0)
    by_sender = dict.fromkeys(SENDERS, 0)
    total = 0
    stmt = select(m.c.channel, m.c.sender, func.count()).where(*in_range)
    for channel, sender, count in await conn.execute(stmt.group_by(m.c.channel, m.c.sender)):
        total += count
        by_channel[channel] = by_channel.get(channel, 0) + count
        by_sender[sender] = by_sender.get(sender, 0) + count
    return {"total": total, "by_channel": by_channel, "by_sender": by_sender}


async def _by_day(
    conn: AsyncConnection, in_range: tuple[Any, ...], days: DayRange
) -> list[dict[str, Any]]:
    m = repo.messages
    series = {day: dict.fromkeys(CHANNELS, 0) for day in days.days()}
    bucket = _bucket(conn, m.c.created_at).label("bucket")
    stmt = select(bucket, m.c.channel, func.count()).where(*in_range)
    for number, channel, count in await conn.execute(stmt.group_by(bucket, m.c.channel)):
        instant = dt.datetime.fromtimestamp(int(number) * BUCKET_SECONDS, dt.UTC)
        local_day = instant.astimezone(days.tz).date()
        if local_day in series:
            series[local_day][channel] = series[local_day].get(channel, 0) + count
    return [
        {"day": day.isoformat(), "total": sum(counts.values()), "by_channel": counts}
        for day, counts in series.items()
    ]


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


async def _ai_usage(conn: AsyncConnection, in_range: tuple[Any, ...]) -> dict[str, int]:
    m = repo.messages
    stmt = select(
        func.coalesce(func.sum(m.c.prompt_tokens), 0),
        func.coalesce(func.sum(m.c.completion_tokens), 0),
        func.count(m.c.prompt_tokens),
    ).where(*in_range, m.c.sender == "ai")
    prompt, completion, replies = (int(v) for v in (await conn.execute(stmt)).one())
    return {
        "replies": replies,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


async def _first_responses(
    conn: AsyncConnection, in_range: tuple[Any, ...]
) -> dict[str, float | None]:
    """Median seconds from a conversation's first inbound message to the first human (agent)
    and the first AI reply after it, over conversations whose first message is in range."""
    m = repo.messages

    def first(condition: Any) -> Any:
        return func.min(case((condition, m.c.created_at)))

    stmt = (
        select(
            first(m.c.direction == "inbound"),
            first(m.c.sender == "agent"),
            first(m.c.sender == "ai"),
        )
        .where(*in_range)
        .group_by(m.c.conversation_id)
    )
    human: list[float] = []
    ai: list[float] = []
    for inbound, agent, bot in await conn.execute(stmt):
        for reply, into in ((agent, human), (bot, ai)):
            gap = _seconds(inbound, reply)
            if gap is not None:
                into.append(gap)
    return {"human": _median(human), "ai": _median(ai)}


def _seconds(start: Any, end: Any) -> float | None:
    """Seconds between two timestamps (SQLite hands back text), None unless end follows start."""
    if start is None or end is None:
        return None
    a, b = _instant(start), _instant(end)
    return (b - a).total_seconds() if b > a else None


def _instant(value: Any) -> dt.datetime:
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None
