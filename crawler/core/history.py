"""History features of the status page, as pure functions over stored checks.

Nothing here touches SQLite, Scrapy or the clock: callers read `checks` rows into
:class:`CheckPoint` values, pass ``now`` explicitly, and get plain numbers, dataclasses
or strings back. That keeps every figure on the status page reproducible in a test.

Conventions shared by every function:

* Times are aware datetimes; a naive one is read as UTC (as :mod:`crawler.core.timeutil`
  writes them). Days are UTC calendar days.
* A window ``(now - window, now]`` is open on the left and closed on the right, so
  a check exactly ``window`` old is out and a check at ``now`` is in; checks after
  ``now`` are ignored.
* ``up`` and ``degraded`` count as available, ``down`` as unavailable, and
  ``maintenance`` is left out of both sides of every ratio (a planned outage must not
  lower uptime, nor a planned quiet period raise it). Any other status is skipped.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

__all__ = [
    "DEGRADED",
    "DOWN",
    "MAINTENANCE",
    "STATUSES",
    "UP",
    "CheckPoint",
    "DailyRollup",
    "Incident",
    "MaintenanceWindow",
    "combined_uptime",
    "in_maintenance",
    "parse_maintenance",
    "percentile",
    "response_stats",
    "rollup_days",
    "update_incident",
    "uptime",
]

UP = "up"
DEGRADED = "degraded"
DOWN = "down"
MAINTENANCE = "maintenance"
STATUSES = (UP, DEGRADED, DOWN, MAINTENANCE)
AVAILABLE = frozenset({UP, DEGRADED})
COUNTED = frozenset({UP, DEGRADED, DOWN})


@dataclass(frozen=True)
class CheckPoint:
    """One stored check, as read from the ``checks`` table."""

    checked_at: datetime
    status: str
    response_ms: int | None
    error: str | None = None


def _utc(moment: datetime) -> datetime:
    """Aware UTC; naive input is taken to be UTC already.

    >>> from datetime import timezone
    >>> _utc(datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))).isoformat()
    '2025-12-31T23:00:00+00:00'
    >>> _utc(datetime(2026, 1, 1)).tzinfo is UTC
    True
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _in_window(point: CheckPoint, now: datetime, window: timedelta) -> bool:
    moment = _utc(point.checked_at)
    return now - window < moment <= now


def _check_window(window: timedelta) -> None:
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")


def _ratio(good: int, counted: int) -> float | None:
    return good / counted if counted else None


# --- uptime and response times ------------------------------------------------------------


def uptime(points: Iterable[CheckPoint], *, now: datetime, window: timedelta) -> float | None:
    """Share of the checks in ``(now - window, now]`` that were up or degraded.

    Maintenance checks are left out of numerator and denominator; ``None`` when the
    window holds no counted check (nothing to say is not the same as 0 %).

    >>> t = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> pts = [CheckPoint(t - timedelta(hours=h), s, 100)
    ...        for h, s in [(1, "up"), (2, "down"), (3, "maintenance"), (4, "degraded")]]
    >>> round(uptime(pts, now=t, window=timedelta(days=1)), 4)
    0.6667
    >>> uptime(pts, now=t, window=timedelta(minutes=30)) is None
    True
    """
    _check_window(window)
    now = _utc(now)
    good = counted = 0
    for point in points:
        if point.status in COUNTED and _in_window(point, now, window):
            counted += 1
            good += point.status in AVAILABLE
    return _ratio(good, counted)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks.

    This is the "linear" method of NumPy and Excel's PERCENTILE.INC: rank
    ``p/100 * (n - 1)`` in the sorted values, interpolated between its two
    neighbours. It never leaves the range of the data and, unlike nearest-rank, moves
    smoothly as samples arrive, so a p95 on a small sample does not jump between
    two raw values from one run to the next. NaN values are ignored.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([10, 20, 30, 40, 50], 75)
    40.0
    >>> percentile([7], 95)
    7.0
    >>> percentile([], 50) is None
    True
    """
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    data = sorted(float(v) for v in values if not math.isnan(v))
    if not data:
        return None
    rank = p / 100 * (len(data) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    fraction = rank - low
    if fraction == 0 or data[low] == data[high]:
        return data[low]
    return data[low] + (data[high] - data[low]) * fraction


def _response_times(points: Iterable[CheckPoint]) -> list[float]:
    """Response times worth summarising: a down check's timing is a timeout, not speed."""
    return [
        float(p.response_ms) for p in points if p.status in AVAILABLE and p.response_ms is not None
    ]


def response_stats(
    points: Iterable[CheckPoint], *, now: datetime, window: timedelta
) -> dict[str, Any]:
    """Median and p95 response time of the up/degraded checks in the window.

    >>> t = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> pts = [CheckPoint(t, "up", 100), CheckPoint(t, "up", 300), CheckPoint(t, "down", 30000)]
    >>> response_stats(pts, now=t, window=timedelta(hours=1))
    {'median_ms': 200.0, 'p95_ms': 290.0, 'samples': 2}
    """
    _check_window(window)
    now = _utc(now)
    times = _response_times(p for p in points if _in_window(p, now, window))
    return {
        "median_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "samples": len(times),
    }


# --- daily rollups -------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyRollup:
    """One UTC day of checks, kept after the raw rows are pruned.

    ``checks`` counts every check with a known status, maintenance included, so
    ``checks == up + degraded + down + maintenance``.
    """

    day: date
    checks: int
    up: int
    degraded: int
    down: int
    maintenance: int
    median_ms: float | None
    p95_ms: float | None


def rollup_days(points: Iterable[CheckPoint]) -> list[DailyRollup]:
    """Group checks by UTC day, oldest day first.

    >>> t = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    >>> [(r.day.isoformat(), r.checks) for r in rollup_days(
    ...     [CheckPoint(t, "up", 10), CheckPoint(t + timedelta(hours=1), "down", None)])]
    [('2026-11-25', 1), ('2026-11-26', 1)]
    """
    by_day: dict[date, list[CheckPoint]] = defaultdict(list)
    for point in points:
        if point.status in STATUSES:
            by_day[_utc(point.checked_at).date()].append(point)
    rollups = []
    for day in sorted(by_day):
        day_points = by_day[day]
        counts = {status: 0 for status in STATUSES}
        for point in day_points:
            counts[point.status] += 1
        times = _response_times(day_points)
        rollups.append(
            DailyRollup(
                day=day,
                checks=len(day_points),
                up=counts[UP],
                degraded=counts[DEGRADED],
                down=counts[DOWN],
                maintenance=counts[MAINTENANCE],
                median_ms=percentile(times, 50),
                p95_ms=percentile(times, 95),
            )
        )
    return rollups


def _rollup_sums(rollups: Iterable[DailyRollup]) -> tuple[int, int]:
    good = counted = 0
    for rollup in rollups:
        good += rollup.up + rollup.degraded
        counted += rollup.checks - rollup.maintenance
    return good, counted


def combined_uptime(
    rollups: Iterable[DailyRollup],
    recent_points: Iterable[CheckPoint],
    *,
    now: datetime,
    window: timedelta,
) -> float | None:
    """Uptime over ``(now - window, now]`` from rollups for old days and raw checks for recent ones.

    The rule that prevents double counting: let *first raw day* be the UTC day of the
    oldest raw check passed in. Rollups are used only for days strictly before it;
    raw checks are used for everything from it on (rollups for those days are
    ignored, even if they exist). With no raw checks every rollup may be used.

    Raw checks are filtered to the exact window. A rollup day cannot be split, so it
    is used when it overlaps the window at all: it starts on or before ``now`` and
    ends after ``now - window``. Prune raw checks by whole days so the first raw
    day is complete.

    >>> now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> old = [DailyRollup(date(2026, 11, 23), 10, 10, 0, 0, 0, None, None),
    ...        DailyRollup(date(2026, 11, 24), 10, 0, 0, 10, 0, None, None)]
    >>> raw = [CheckPoint(datetime(2026, 11, 24, 6, tzinfo=UTC), "up", 50)]
    >>> combined_uptime(old, raw, now=now, window=timedelta(days=7))  # 10 up + 1 up of 11
    1.0
    """
    _check_window(window)
    now = _utc(now)
    start = now - window
    points = list(recent_points)
    first_raw_day = min((_utc(p.checked_at).date() for p in points), default=None)
    first_day, last_day = start.date(), now.date()

    def usable(rollup: DailyRollup) -> bool:
        if first_raw_day is not None and rollup.day >= first_raw_day:
            return False
        return first_day <= rollup.day <= last_day

    good, counted = _rollup_sums(r for r in rollups if usable(r))
    for point in points:
        if point.status in COUNTED and _in_window(point, now, window):
            counted += 1
            good += point.status in AVAILABLE
    return _ratio(good, counted)


# --- incidents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    """A stretch of confirmed ``down`` checks, open until an up/degraded check closes it."""

    started_at: datetime
    ended_at: datetime | None
    first_error: str | None
    checks_failed: int

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    def duration(self, now: datetime) -> timedelta:
        """From the first failed check to the closing check, or to ``now`` while open.

        >>> i = Incident(datetime(2026, 1, 1, 10, tzinfo=UTC), None, "timeout", 3)
        >>> i.duration(datetime(2026, 1, 1, 10, 45, tzinfo=UTC))
        datetime.timedelta(seconds=2700)
        """
        end = self.ended_at if self.ended_at is not None else now
        return max(_utc(end) - _utc(self.started_at), timedelta(0))


def update_incident(
    open_incident: Incident | None, point: CheckPoint
) -> tuple[Incident | None, str | None]:
    """Advance the incident state machine by one confirmed check.

    * ``down`` with no open incident opens one (event ``"opened"``); with an open
      one it adds a failed check and keeps the first error (event ``None``).
    * ``up``/``degraded`` closes an open incident at ``point.checked_at`` (event
      ``"closed"``, the closed incident is returned); otherwise nothing happens.
    * ``maintenance`` and unknown statuses change nothing: a planned outage neither
      opens, closes nor lengthens an incident.

    A closed incident passed back in counts as "no open incident", so the caller can
    simply feed each result into the next call.

    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> inc, event = update_incident(None, CheckPoint(t, "down", None, "DNS lookup failed"))
    >>> event, inc.checks_failed, inc.first_error
    ('opened', 1, 'DNS lookup failed')
    >>> inc, event = update_incident(inc, CheckPoint(t + timedelta(hours=1), "up", 80))
    >>> event, inc.ended_at == t + timedelta(hours=1)
    ('closed', True)
    >>> update_incident(inc, CheckPoint(t + timedelta(hours=2), "up", 80))
    (None, None)
    """
    current = open_incident if open_incident is not None and open_incident.ongoing else None
    if point.status == DOWN:
        if current is None:
            return Incident(point.checked_at, None, point.error, 1), "opened"
        return (
            replace(
                current,
                checks_failed=current.checks_failed + 1,
                first_error=current.first_error if current.first_error is not None else point.error,
            ),
            None,
        )
    if point.status in AVAILABLE and current is not None:
        return replace(current, ended_at=point.checked_at), "closed"
    return current, None


# --- maintenance windows -------------------------------------------------------------------

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
        start, end = _utc(self.start), _utc(self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if end <= start:
            raise ValueError(
                f"maintenance end {end.isoformat()} is not after start {start.isoformat()}"
            )

    def covers(self, moment: datetime) -> bool:
        """Is ``moment`` inside this window (start included, end excluded)?"""
        moment = _utc(moment)
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
        return _utc(value)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            pass
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
    unknown = sorted(str(key) for key in entry if key not in ("start", "end", "weekly"))
    if unknown:
        raise ValueError(
            f"maintenance entry has unknown key(s) {', '.join(unknown)}: "
            "allowed are start, end, weekly"
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
