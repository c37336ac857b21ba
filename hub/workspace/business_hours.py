"""A company's business hours: time zone, weekly schedule, holidays, expected reply time.

`is_open(hours, at)` is the one answer to "is the team's day on?", a pure function of the
hours and an instant: the instant is turned into the company's wall-clock time with
`zoneinfo`, so daylight-saving changes move the opening with the clock, as people expect
("we open at 9" stays 9 local time all year). A day in `holidays` (local date) is closed.
A company without hours is always open: availability then follows its agents alone.

`BusinessHoursService` stores them (`/api/business-hours`) and keeps each company's copy
per process until a change is heard (the `business_hours.updated` event, or the poll of
`updated_at` for processes that do not hold the company's topic).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hub.conversations.publish import Publisher
from hub.errors import HubError
from hub.persistence import repository as repo
from hub.persistence.changes import ChangePoll
from hub.persistence.db import Database
from hub.persistence.models import utcnow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_INTERVALS = 6  # per day
MAX_HOLIDAYS = 366


@dataclass(frozen=True)
class Hours:
    """Validated business hours. `schedule[d]`: day `d`'s open intervals in minutes since
    local midnight, [start, end), sorted and disjoint."""

    timezone: str = "UTC"
    schedule: tuple[tuple[tuple[int, int], ...], ...] = (((0, 24 * 60),),) * 7
    holidays: frozenset[dt.date] = frozenset()
    reply_minutes: int | None = None
    reply_text: str | None = None
    away_message: str | None = None
    configured: bool = False  # False: the company never set hours (always open)
    zone: zoneinfo.ZoneInfo = field(default=zoneinfo.ZoneInfo("UTC"), compare=False)

    def view(self) -> dict[str, Any]:
        """The JSON form: what `GET /api/business-hours` answers and `PUT` takes."""
        return {
            "timezone": self.timezone,
            "schedule": {
                day: [[_clock(a), _clock(b)] for a, b in self.schedule[i]]
                for i, day in enumerate(DAYS)
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "reply_minutes": self.reply_minutes,
            "reply_text": self.reply_text,
            "away_message": self.away_message,
            "configured": self.configured,
        }


ALWAYS = Hours()


def is_open(hours: Hours, at: dt.datetime) -> bool:
    """Whether the company is within its business hours at the instant `at` (aware)."""
    local = at.astimezone(hours.zone)
    if local.date() in hours.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in hours.schedule[local.weekday()])


def reply_time(hours: Hours) -> str | None:
    """What the widget says after "we usually reply in": the text, else the minutes."""
    if hours.reply_text:
        return hours.reply_text
    if hours.reply_minutes is None:
        return None
    minutes = hours.reply_minutes
    if minutes < 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours_ = round(minutes / 60)
    return f"{hours_} hour{'s' * (hours_ != 1)}"


class BadHours(HubError):
    def __init__(self, message: str) -> None:
        super().__init__("bad_request", message)


def parse(body: dict[str, Any]) -> Hours:
    """Hours from a `PUT /api/business-hours` body; `BadHours` naming the bad field."""
    tz = body.get("timezone")
    if not isinstance(tz, str) or not tz or len(tz) > 64:
        raise BadHours("timezone: an IANA time zone name, such as Europe/Madrid")
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise BadHours(f"timezone: unknown time zone {tz!r}") from None
    return Hours(
        timezone=tz,
        schedule=_schedule(body.get("schedule")),
        holidays=_holidays(body.get("holidays", [])),
        reply_minutes=_minutes(body.get("reply_minutes")),
        reply_text=_text(body, "reply_text", 200),
        away_message=_text(body, "away_message", 500),
        configured=True,
        zone=zone,
    )


def _schedule(raw: Any) -> tuple[tuple[tuple[int, int], ...], ...]:
    if not isinstance(raw, dict) or set(raw) - set(DAYS):
        raise BadHours("schedule: an object of weekdays (mon..sun) to [[open, close], ...]")
    return tuple(_day(day, raw.get(day, [])) for day in DAYS)


def _day(day: str, raw: Any) -> tuple[tuple[int, int], ...]:
    where = f"schedule.{day}"
    if not isinstance(raw, list) or len(raw) > MAX_INTERVALS:
        raise BadHours(f"{where}: at most {MAX_INTERVALS} [open, close] pairs")
    intervals = []
    for pair in raw:
        if not (isinstance(pair, list) and len(pair) == 2 and all(_is_time(t) for t in pair)):
            raise BadHours(f'{where}: each interval is ["HH:MM", "HH:MM"]')
        start, end = _minute(pair[0]), _minute(pair[1])
        if start >= end:
            raise BadHours(f"{where}: {pair[0]}-{pair[1]} closes before it opens")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            raise BadHours(f"{where}: intervals overlap")
    return tuple(intervals)


def _holidays(raw: Any) -> frozenset[dt.date]:
    if not isinstance(raw, list) or len(raw) > MAX_HOLIDAYS:
        raise BadHours(f"holidays: a list of at most {MAX_HOLIDAYS} dates (YYYY-MM-DD)")
    try:
        return frozenset(dt.date.fromisoformat(d) for d in raw)
    except (TypeError, ValueError):
        raise BadHours("holidays: each date is YYYY-MM-DD") from None


def _minutes(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10_080:
        raise BadHours("reply_minutes: whole minutes from 1 to 10080 (a week), or null")
    return raw


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    raw = body.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > limit or "\x00" in raw:
        raise BadHours(f"{name}: text of at most {limit} characters, or null")
    return raw.strip() or None


def _is_time(value: Any) -> bool:
    return isinstance(value, str) and TIME.match(value) is not None


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _from_row(row: Any) -> Hours:
    """Stored hours (validated when written; read back through `parse`)."""
    return parse(
        {
            "timezone": row.timezone,
            "schedule": row.schedule,
            "holidays": row.holidays,
            "reply_minutes": row.reply_minutes,
            "reply_text": row.reply_text,
            "away_message": row.away_message,
        }
    )


class BusinessHoursService:
    """Reads and writes `business_hours`, cached per process per company."""

    def __init__(
        self, db: Database, publisher: Publisher, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.clock = clock  # tests pass their own: a night passes without waiting
        self._cache: dict[str, tuple[Hours, dt.datetime | None]] = {}
        self._poll = ChangePoll(db, repo.business_hours)

    async def get(self, company_id: str) -> Hours:
        cached = self._cache.get(company_id)
        if cached is not None:
            return cached[0]
        table = repo.business_hours
        async with self.db.read() as conn:
            row = await repo.one(conn, select(table).where(table.c.company_id == company_id))
        loaded = (ALWAYS, None) if row is None else (_from_row(row), row.updated_at)
        self._cache[company_id] = loaded
        return loaded[0]

    async def open_now(self, company_id: str) -> bool:
        return is_open(await self.get(company_id), self.clock())

    async def put(self, company_id: str, hours: Hours) -> Hours:
        view = hours.view()
        values = {
            "timezone": hours.timezone,
            "schedule": view["schedule"],
            "holidays": view["holidays"],
            "reply_minutes": hours.reply_minutes,
            "reply_text": hours.reply_text,
            "away_message": hours.away_message,
            "updated_at": utcnow(),
        }
        async with self.db.write() as conn:
            stmt = repo.upsert(conn, repo.business_hours).values(company_id=company_id, **values)
            await conn.execute(
                stmt.on_conflict_do_update(index_elements=["company_id"], set_=values)
            )
        self._cache[company_id] = (hours, values["updated_at"])
        # Every process holding the company's sockets hears it: their widgets' availability.
        await self.publisher.business_hours_updated(company_id, hours.view())
        return hours

    def heard(self, company_id: str, hours: Hours) -> None:
        """Another process changed them (its `business_hours.updated`)."""
        self._cache[company_id] = (hours, None)

    async def forget_changed(self) -> int:
        """Drop cached hours any process changed since the last poll (a schedule)."""
        stale = await self._poll.stale(self._cache)
        for company_id in stale:
            del self._cache[company_id]
        return len(stale)
