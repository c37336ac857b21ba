"""Business hours: `is_open` across daylight-saving changes and holidays, and the checks of
what an owner may store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.workspace.business_hours import ALWAYS, BadHours, is_open, parse, reply_time

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def hours(**overrides: Any) -> Any:
    body: dict[str, Any] = {"timezone": "Europe/Madrid", "schedule": WEEKDAYS, **overrides}
    return parse(body)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_no_hours_is_always_open() -> None:
    assert is_open(ALWAYS, utc("2026-12-25T03:00:00"))


def test_opening_follows_local_time_in_winter_and_summer() -> None:
    h = hours()
    # Winter (CET, UTC+1): 09:00 local is 08:00 UTC.
    assert not is_open(h, utc("2026-01-14T07:59:00"))
    assert is_open(h, utc("2026-01-14T08:00:00"))
    assert is_open(h, utc("2026-01-14T15:59:00"))
    assert not is_open(h, utc("2026-01-14T16:00:00"))
    # Summer (CEST, UTC+2): 09:00 local is 07:00 UTC.
    assert is_open(h, utc("2026-07-15T07:00:00"))
    assert not is_open(h, utc("2026-07-15T15:00:00"))
    # Weekends are closed.
    assert not is_open(h, utc("2026-07-18T10:00:00"))


def test_the_spring_forward_night() -> None:
    # 2026-03-29 (Sunday) in Madrid: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    h = hours(schedule={"sun": [["02:00", "03:00"], ["03:00", "04:00"]]})
    assert not is_open(h, utc("2026-03-29T00:59:00"))  # 01:59 CET
    assert is_open(h, utc("2026-03-29T01:00:00"))  # 03:00 CEST: the skipped hour never was
    assert is_open(h, utc("2026-03-29T01:59:00"))  # 03:59 CEST
    assert not is_open(h, utc("2026-03-29T02:00:00"))  # 04:00 CEST


def test_the_fall_back_night_is_open_both_times() -> None:
    # 2026-10-25 (Sunday): 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    h = hours(schedule={"sun": [["02:00", "03:00"]]})
    assert is_open(h, utc("2026-10-25T00:30:00"))  # 02:30 CEST
    assert is_open(h, utc("2026-10-25T01:30:00"))  # 02:30 CET
    assert not is_open(h, utc("2026-10-25T02:00:00"))  # 03:00 CET


def test_a_holiday_is_closed_by_its_local_date() -> None:
    every_day = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    h = hours(schedule=every_day, holidays=["2026-12-25"])
    assert is_open(h, utc("2026-12-24T22:59:00"))  # 23:59 on the 24th in Madrid
    assert not is_open(h, utc("2026-12-24T23:00:00"))  # already the 25th in Madrid
    assert not is_open(h, utc("2026-12-25T22:59:00"))
    assert is_open(h, utc("2026-12-25T23:00:00"))  # the 26th in Madrid


def test_a_zone_without_dst_and_a_late_shift() -> None:
    late = {"fri": [["22:00", "24:00"]], "sat": [["00:00", "02:00"]]}
    h = parse({"timezone": "Asia/Tokyo", "schedule": late})
    assert is_open(h, utc("2026-06-05T13:30:00"))  # Friday 22:30 in Tokyo
    assert is_open(h, utc("2026-06-05T16:30:00"))  # Saturday 01:30
    assert not is_open(h, utc("2026-06-05T17:00:00"))  # Saturday 02:00


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus", "schedule": {}}, "timezone"),
        ({"timezone": "", "schedule": {}}, "timezone"),
        ({"timezone": "UTC", "schedule": {"monday": []}}, "schedule"),
        ({"timezone": "UTC", "schedule": {"mon": [["17:00", "09:00"]]}}, "schedule.mon"),
        ({"timezone": "UTC", "schedule": {"mon": [["9:00", "17:00"]]}}, "schedule.mon"),
        ({"timezone": "UTC", "schedule": {"tue": [["09:00", "13:00"], ["12:00", "13:30"]]}}, "lap"),
        ({"timezone": "UTC", "schedule": {}, "holidays": ["25/12/2026"]}, "holidays"),
        ({"timezone": "UTC", "schedule": {}, "holidays": [20261225]}, "holidays"),
        ({"timezone": "UTC", "schedule": {}, "reply_minutes": 0}, "reply_minutes"),
        ({"timezone": "UTC", "schedule": {}, "away_message": "x" * 501}, "away_message"),
    ],
)
def test_bad_hours_are_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(BadHours) as refused:
        parse(body)
    assert field in refused.value.message


def test_the_view_round_trips() -> None:
    h = hours(holidays=["2026-12-25"], reply_minutes=90, away_message="Back at 9")
    again = parse(h.view())
    assert again.view() == h.view()
    assert h.view()["schedule"]["mon"] == [["09:00", "17:00"]]
    assert h.view()["schedule"]["sun"] == []
    assert reply_time(h) == "2 hours"
    assert reply_time(hours(reply_minutes=5)) == "5 minutes"
    assert reply_time(hours(reply_minutes=5, reply_text="a few minutes")) == "a few minutes"
