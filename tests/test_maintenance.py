"""Maintenance windows from resources.yaml: one-off and weekly, parsed and matched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.maintenance import MaintenanceWindow, in_maintenance, parse_maintenance

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
H = timedelta(hours=1)
D = timedelta(days=1)


# --- maintenance windows -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"weekly": "sun 02:00-04:00"}, MaintenanceWindow(weekly="sun 02:00-04:00")),
        ({"weekly": "  mon-fri 23:30-00:30 "}, MaintenanceWindow(weekly="mon-fri 23:30-00:30")),
        ({"weekly": "Sat, Sun 00:00-24:00"}, MaintenanceWindow(weekly="Sat, Sun 00:00-24:00")),
        ({"weekly": "SUNDAY 02:00 - 04:00"}, MaintenanceWindow(weekly="SUNDAY 02:00 - 04:00")),
        ({"weekly": "daily 3:00-3:30"}, MaintenanceWindow(weekly="daily 3:00-3:30")),
        ({"weekly": "fri-mon 22:00-02:00"}, MaintenanceWindow(weekly="fri-mon 22:00-02:00")),
        (
            {"start": "2026-11-25T02:00:00Z", "end": "2026-11-25T04:00:00Z"},
            MaintenanceWindow(datetime(2026, 11, 25, 2, tzinfo=UTC), datetime(2026, 11, 25, 4, tzinfo=UTC)),
        ),
        (
            {"start": "2026-11-25T03:00:00+01:00", "end": "2026-11-25 05:00"},  # naive text = UTC
            MaintenanceWindow(datetime(2026, 11, 25, 2, tzinfo=UTC), datetime(2026, 11, 25, 5, tzinfo=UTC)),
        ),
        (
            # what PyYAML hands over for unquoted timestamps and dates
            {"start": datetime(2026, 11, 25, 2, 0), "end": date(2026, 11, 26), "weekly": None},
            MaintenanceWindow(datetime(2026, 11, 25, 2, tzinfo=UTC), datetime(2026, 11, 26, 0, tzinfo=UTC)),
        ),
    ],
)
def test_parse_maintenance_good(entry: dict, expected: MaintenanceWindow) -> None:
    window = parse_maintenance(entry)
    assert window == expected
    if window.start is not None:
        assert window.start.tzinfo == UTC and window.end.tzinfo == UTC


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (["sun 02:00-04:00"], "must be a mapping"),
        ("sun 02:00-04:00", "must be a mapping"),
        ({}, "needs either 'weekly' or both 'start' and 'end'"),
        ({"start": "2026-11-25T02:00:00Z"}, "needs either 'weekly' or both"),
        ({"weekly": "sun"}, "must look like 'sun 02:00-04:00'"),
        ({"weekly": "02:00-04:00"}, "must look like"),
        ({"weekly": "funday 02:00-04:00"}, "'funday' is not a day or day range"),
        ({"weekly": "mon-fri-sat 01:00-02:00"}, "'mon-fri-sat' is not a day"),
        ({"weekly": "mon,,tue 01:00-02:00"}, "'' is not a day"),
        ({"weekly": "sun 25:00-04:00"}, "'25:00' is not a time of day"),
        ({"weekly": "sun 02:60-04:00"}, "'02:60' is not a time of day"),
        ({"weekly": "sun 24:00-02:00"}, "'24:00' is not a time of day"),
        ({"weekly": "sun 02:00-02:00"}, "start and end are the same time"),
        ({"weekly": "sun 2pm-4pm"}, "must look like"),
        ({"weekly": 42}, "must be text"),
        (
            {"weekly": "sun 02:00-04:00", "start": "2026-11-25T02:00:00Z", "end": "2026-11-25T04:00:00Z"},
            "both 'weekly' and 'start'/'end'",
        ),
        ({"start": "2026-11-25T04:00:00Z", "end": "2026-11-25T02:00:00Z"}, "is not after start"),
        ({"start": "2026-11-25T04:00:00Z", "end": "2026-11-25T04:00:00Z"}, "is not after start"),
        ({"start": "next tuesday", "end": "2026-11-25T02:00:00Z"}, "start 'next tuesday' is not an ISO-8601"),
        ({"start": "2026-11-25T02:00:00Z", "end": 5}, "end 5 is not an ISO-8601"),
        ({"weekly": "sun 02:00-04:00", "reason": "upgrade"}, "unknown key(s) reason"),
    ],
)
def test_parse_maintenance_bad(entry: object, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_maintenance(entry)  # type: ignore[arg-type]
    assert message in str(excinfo.value)


def test_window_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="must look like"):
        MaintenanceWindow(weekly="whenever")


# 2026-11-23 is a Monday.
def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC)


MON, TUE, WED, THU, FRI, SAT, SUN = range(23, 30)


@pytest.mark.parametrize(
    ("rule", "moment", "expected"),
    [
        ("sun 02:00-04:00", at(SUN, 2), True),  # start included
        ("sun 02:00-04:00", at(SUN, 3, 59, 59), True),
        ("sun 02:00-04:00", at(SUN, 4), False),  # end excluded
        ("sun 02:00-04:00", at(SUN, 1, 59), False),
        ("sun 02:00-04:00", at(SAT, 3), False),
        # crossing midnight: runs from each listed day into the next
        ("mon-fri 23:30-00:30", at(MON, 23, 45), True),
        ("mon-fri 23:30-00:30", at(TUE, 0, 15), True),  # Monday's window
        ("mon-fri 23:30-00:30", at(SAT, 0, 15), True),  # Friday's window
        ("mon-fri 23:30-00:30", at(MON, 0, 15), False),  # Sunday is not listed
        ("mon-fri 23:30-00:30", at(SAT, 23, 45), False),
        ("mon-fri 23:30-00:30", at(FRI, 23, 29), False),
        ("mon-fri 23:30-00:30", at(WED, 0, 30), False),
        # Sunday night runs into the next week's Monday
        ("sun 23:00-01:00", at(MON, 0, 30), True),
        ("sun 23:00-01:00", at(SUN, 23, 0), True),
        ("sun 23:00-01:00", at(SUN, 0, 30), False),
        # day ranges that wrap past Sunday
        ("fri-mon 22:00-02:00", at(TUE, 1), True),
        ("fri-mon 22:00-02:00", at(SAT, 23), True),
        ("fri-mon 22:00-02:00", at(TUE, 23), False),
        ("fri-mon 22:00-02:00", at(THU, 23), False),
        # lists and whole days
        ("sat,sun 00:00-24:00", at(SAT, 12), True),
        ("sat,sun 00:00-24:00", at(SUN, 23, 59, 59), True),
        ("sat,sun 00:00-24:00", at(MON, 0), False),
        ("sat,sun 00:00-24:00", at(FRI, 23, 59, 59), False),
        ("sun 22:00-00:00", at(SUN, 23, 59), True),
        ("sun 22:00-00:00", at(MON, 0, 0), False),
        ("daily 03:00-03:30", at(WED, 3, 10), True),
        ("daily 03:00-03:30", at(WED, 3, 30), False),
        ("Wednesday 11:00-13:00", NOW, True),
    ],
)
def test_in_maintenance_weekly(rule: str, moment: datetime, expected: bool) -> None:
    assert in_maintenance(moment, [parse_maintenance({"weekly": rule})]) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(WED, 2), True),
        (at(WED, 3, 59, 59), True),
        (at(WED, 4), False),
        (at(WED, 1, 59, 59), False),
        (datetime(2026, 11, 25, 4, 30, tzinfo=timezone(timedelta(hours=2))), True),  # 02:30 UTC
        (datetime(2026, 11, 25, 3, 0), True),  # naive = UTC
    ],
)
def test_in_maintenance_one_off(moment: datetime, expected: bool) -> None:
    window = parse_maintenance({"start": "2026-11-25T02:00:00Z", "end": "2026-11-25T04:00:00Z"})
    assert in_maintenance(moment, [window]) is expected


def test_in_maintenance_any_window() -> None:
    windows = [
        parse_maintenance({"weekly": "sun 02:00-04:00"}),
        parse_maintenance({"start": "2026-11-25T11:00:00Z", "end": "2026-11-25T13:00:00Z"}),
    ]
    assert in_maintenance(NOW, windows)
    assert in_maintenance(at(SUN, 3), windows)
    assert not in_maintenance(at(SUN, 5), windows)
    assert not in_maintenance(NOW, [])


DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@settings(max_examples=300, deadline=None)
@given(
    days=st.sets(st.integers(0, 6), min_size=1),
    start=st.integers(0, 24 * 60 - 1),
    length=st.integers(1, 24 * 60),
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
)
def test_weekly_rule_matches_a_calendar_oracle(days: set[int], start: int, length: int, moment: datetime) -> None:
    end = (start + length) % (24 * 60)
    end_text = "24:00" if end == 0 and start + length == 24 * 60 else f"{end // 60:02d}:{end % 60:02d}"
    if end_text == f"{start // 60:02d}:{start % 60:02d}":
        return  # a full day starting mid-day cannot be written
    rule = f"{','.join(DAY_NAMES[d] for d in sorted(days))} {start // 60:02d}:{start % 60:02d}-{end_text}"
    # Oracle: the window opened on the moment's day or the day before, by the calendar.
    expected = False
    for back in (0, 1):
        day = moment.date() - timedelta(days=back)
        if day.weekday() in days:
            opens = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=start)
            expected |= opens <= moment < opens + timedelta(minutes=length)
    assert in_maintenance(moment, [parse_maintenance({"weekly": rule})]) is expected


