"""Planned maintenance windows: when checks are taken, but neither counted in uptime
nor alerted on. Parsed from resources.yaml (`maintenance:`), one-off or weekly."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from crawler.core.timeutil import as_utc, parse_iso

__all__ = ["MaintenanceWindow", "in_maintenance", "parse_maintenance"]


_DAY_NAMES = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_WEEKLY = re.compile(
    r"^\s*(?P<days>[a-z][a-z,\s-]*?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)
_KEYS = ("start", "end", "weekly")
_MINUTES_PER_DAY = 24 * 60
_SECONDS_PER_WEEK = 7 * 24 * 3600


def _parse_clock(text: str, *, allow_24: bool) -> int:
    """Minutes after midnight for ``HH:MM``.

    >>> _parse_clock("23:30", allow_24=False)
    1410
    """
    hours, minutes = (int(part) for part in text.split(":"))
    if allow_24 and hours == 24 and minutes == 0:
        return _MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00 to 23:59)")
    return hours * 60 + minutes


def _parse_days(text: str) -> frozenset[int]:
    """Weekday numbers (Monday = 0) from ``mon``, ``mon-fri``, ``fri-mon``, ``sat,sun``, ``daily``.

    >>> sorted(_parse_days("fri-mon"))
    [0, 4, 5, 6]
    """
    text = text.strip()
    if text in ("daily", "everyday", "*"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        names = [name.strip() for name in part.split("-")]
        if not 1 <= len(names) <= 2 or any(name not in _DAY_NAMES for name in names):
            raise ValueError(
                f"{part.strip()!r} is not a day or day range "
                "(use mon..sun, e.g. 'sun' or 'mon-fri')"
            )
        first = _DAY_NAMES[names[0]]
        last = _DAY_NAMES[names[-1]]
        span = (last - first) % 7  # a range may wrap past Sunday: fri-mon
        days.update((first + offset) % 7 for offset in range(span + 1))
    return frozenset(days)


@lru_cache(maxsize=256)
def _parse_weekly(rule: str) -> tuple[frozenset[int], int, int]:
    """(weekdays, start minute, duration in minutes) of a weekly rule.

    A rule whose end is not after its start runs past midnight into the next day:
    ``mon-fri 23:30-00:30`` is Friday 23:30 to Saturday 00:30, and not Monday 00:15.

    >>> days, start, length = _parse_weekly("mon-fri 23:30-00:30")
    >>> sorted(days), start, length
    ([0, 1, 2, 3, 4], 1410, 60)
    """
    match = _WEEKLY.match(rule.lower())
    if not match:
        raise ValueError(
            f"maintenance weekly rule {rule!r} must look like 'sun 02:00-04:00' or "
            "'mon-fri 23:30-00:30' (days, then a UTC time range)"
        )
    try:
        days = _parse_days(match["days"])
        start = _parse_clock(match["start"], allow_24=False)
        end = _parse_clock(match["end"], allow_24=True)
    except ValueError as exc:
        raise ValueError(f"maintenance weekly rule {rule!r}: {exc}") from None
    if start == end:
        raise ValueError(f"maintenance weekly rule {rule!r}: start and end are the same time")
    return days, start, (end - start) % _MINUTES_PER_DAY or _MINUTES_PER_DAY


@dataclass(frozen=True)
class MaintenanceWindow:
    """A planned outage: a one-off ``[start, end)`` or a ``weekly`` rule (times UTC)."""

    start: datetime | None = None
    end: datetime | None = None
    weekly: str | None = None

    def __post_init__(self) -> None:
        """Validate on construction so a bad window cannot reach :func:`in_maintenance`."""
        if self.weekly is not None:
            if self.start is not None or self.end is not None:
                raise ValueError("maintenance entry has both 'weekly' and 'start'/'end': use one")
            _parse_weekly(self.weekly)
            return
        if self.start is None or self.end is None:
            raise ValueError("maintenance entry needs either 'weekly' or both 'start' and 'end'")
        start, end = as_utc(self.start), as_utc(self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if end <= start:
            raise ValueError(
                f"maintenance end {end.isoformat()} is not after start {start.isoformat()}"
            )

    def covers(self, moment: datetime) -> bool:
        """Is ``moment`` inside this window (start included, end excluded)?"""
        moment = as_utc(moment)
        if self.weekly is None:
            return self.start <= moment < self.end  # type: ignore[operator]
        days, start, length = _parse_weekly(self.weekly)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        week_seconds = moment.weekday() * 86400 + (moment - midnight).total_seconds()
        for day in days:
            begin = day * 86400 + start * 60
            finish = begin + length * 60
            # The Sunday-night window of a rule runs into Monday of the next week.
            if begin <= week_seconds < finish or begin <= week_seconds + _SECONDS_PER_WEEK < finish:
                return True
        return False


def _parse_moment(value: Any, key: str) -> datetime:
    """A config date-time: a datetime (YAML parses them), a date (midnight UTC) or ISO text.

    >>> _parse_moment("2026-11-25T02:00Z", "start").isoformat()
    '2026-11-25T02:00:00+00:00'
    """
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        try:
            moment = parse_iso(value)
        except ValueError:
            moment = None
        if moment is not None:
            return moment
    raise ValueError(
        f"maintenance {key} {value!r} is not an ISO-8601 date-time (e.g. 2026-11-25T02:00:00Z)"
    )


def parse_maintenance(entry: Mapping[str, Any]) -> MaintenanceWindow:
    """Build a window from one ``maintenance:`` config entry; ``ValueError`` says what is wrong.

    >>> parse_maintenance({"weekly": "Sun 02:00-04:00"}).weekly
    'Sun 02:00-04:00'
    >>> parse_maintenance({"start": "2026-11-25T02:00:00Z", "end": "2026-11-25T04:00:00Z"}).end.hour
    4
    >>> parse_maintenance({"weekly": "sun 25:00-04:00"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: maintenance weekly rule 'sun 25:00-04:00': '25:00' is not a time of day (HH:MM, ...)
    """
    if not isinstance(entry, Mapping):
        raise ValueError(
            "maintenance entry must be a mapping with 'weekly' or 'start'/'end', "
            f"got {type(entry).__name__}"
        )
    unknown = sorted(str(key) for key in entry if key not in _KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0].lower(), _KEYS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close and len(unknown) == 1 else ""
        raise ValueError(
            f"maintenance entry has unknown key(s) {', '.join(unknown)}: "
            f"allowed are start, end, weekly{hint}"
        )
    weekly = entry.get("weekly")
    if weekly is not None:
        if not isinstance(weekly, str):
            raise ValueError(
                f"maintenance weekly rule must be text like 'sun 02:00-04:00', got {weekly!r}"
            )
        weekly = weekly.strip()
    start = _parse_moment(entry["start"], "start") if entry.get("start") is not None else None
    end = _parse_moment(entry["end"], "end") if entry.get("end") is not None else None
    return MaintenanceWindow(start=start, end=end, weekly=weekly)


def in_maintenance(moment: datetime, windows: Sequence[MaintenanceWindow]) -> bool:
    """Does any window cover ``moment``?

    >>> w = [parse_maintenance({"weekly": "mon-fri 23:30-00:30"})]
    >>> in_maintenance(datetime(2026, 11, 28, 0, 15, tzinfo=UTC), w)  # Saturday
    True
    >>> in_maintenance(datetime(2026, 11, 23, 0, 15, tzinfo=UTC), w)  # Monday
    False
    """
    return any(window.covers(moment) for window in windows)
