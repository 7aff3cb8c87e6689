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
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from crawler.core.timeutil import as_utc, parse_iso
from crawler.core.vocabulary import AVAILABLE, VERDICTS, Status

__all__ = [
    "CheckPoint",
    "DailyRollup",
    "Incident",
    "combined_uptime",
    "percentile",
    "response_stats",
    "rollup_days",
    "update_incident",
    "uptime",
]

ROLLED_UP = (*VERDICTS, Status.MAINTENANCE)  # what a daily rollup counts


@dataclass(frozen=True)
class CheckPoint:
    """One stored check, as read from the ``checks`` table."""

    checked_at: datetime
    status: str
    response_ms: int | None
    error: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CheckPoint:
        """A ``checks`` row as history sees it: a check taken in a maintenance window
        counts as ``maintenance``, whatever its verdict.

        >>> print(CheckPoint.from_row({"checked_at": "2026-11-25T07:00:00Z", "status": "down",
        ...                            "maintenance": 1, "response_ms": None, "error": "timeout"}).status)
        maintenance
        """
        status = Status.MAINTENANCE if row.get("maintenance") else row["status"]
        checked_at = parse_iso(row["checked_at"])
        if checked_at is None:
            raise ValueError(f"a check without a time: {row!r}")
        return cls(checked_at, status, row.get("response_ms"), row.get("error"))


def _in_window(point: CheckPoint, now: datetime, window: timedelta) -> bool:
    moment = as_utc(point.checked_at)
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

    >>> from datetime import UTC
    >>> t = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> pts = [CheckPoint(t - timedelta(hours=h), s, 100)
    ...        for h, s in [(1, "up"), (2, "down"), (3, "maintenance"), (4, "degraded")]]
    >>> round(uptime(pts, now=t, window=timedelta(days=1)), 4)
    0.6667
    >>> uptime(pts, now=t, window=timedelta(minutes=30)) is None
    True
    """
    _check_window(window)
    now = as_utc(now)
    good = counted = 0
    for point in points:
        if point.status in VERDICTS and _in_window(point, now, window):
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

    >>> from datetime import UTC
    >>> t = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> pts = [CheckPoint(t, "up", 100), CheckPoint(t, "up", 300), CheckPoint(t, "down", 30000)]
    >>> response_stats(pts, now=t, window=timedelta(hours=1))
    {'median_ms': 200.0, 'p95_ms': 290.0, 'samples': 2}
    """
    _check_window(window)
    now = as_utc(now)
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

    >>> from datetime import UTC
    >>> t = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    >>> [(r.day.isoformat(), r.checks) for r in rollup_days(
    ...     [CheckPoint(t, "up", 10), CheckPoint(t + timedelta(hours=1), "down", None)])]
    [('2026-11-25', 1), ('2026-11-26', 1)]
    """
    by_day: dict[date, list[CheckPoint]] = defaultdict(list)
    for point in points:
        if point.status in ROLLED_UP:
            by_day[as_utc(point.checked_at).date()].append(point)
    rollups = []
    for day in sorted(by_day):
        day_points = by_day[day]
        counts: dict[str, int] = dict.fromkeys(ROLLED_UP, 0)
        for point in day_points:
            counts[point.status] += 1
        times = _response_times(day_points)
        rollups.append(
            DailyRollup(
                day=day,
                checks=len(day_points),
                up=counts[Status.UP],
                degraded=counts[Status.DEGRADED],
                down=counts[Status.DOWN],
                maintenance=counts[Status.MAINTENANCE],
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

    >>> from datetime import UTC
    >>> now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    >>> old = [DailyRollup(date(2026, 11, 23), 10, 10, 0, 0, 0, None, None),
    ...        DailyRollup(date(2026, 11, 24), 10, 0, 0, 10, 0, None, None)]
    >>> raw = [CheckPoint(datetime(2026, 11, 24, 6, tzinfo=UTC), "up", 50)]
    >>> combined_uptime(old, raw, now=now, window=timedelta(days=7))  # 10 up + 1 up of 11
    1.0
    """
    _check_window(window)
    now = as_utc(now)
    start = now - window
    points = list(recent_points)
    first_raw_day = min((as_utc(p.checked_at).date() for p in points), default=None)
    first_day, last_day = start.date(), now.date()

    def usable(rollup: DailyRollup) -> bool:
        if first_raw_day is not None and rollup.day >= first_raw_day:
            return False
        return first_day <= rollup.day <= last_day

    good, counted = _rollup_sums(r for r in rollups if usable(r))
    for point in points:
        if point.status in VERDICTS and _in_window(point, now, window):
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

        >>> from datetime import UTC
        >>> i = Incident(datetime(2026, 1, 1, 10, tzinfo=UTC), None, "timeout", 3)
        >>> i.duration(datetime(2026, 1, 1, 10, 45, tzinfo=UTC))
        datetime.timedelta(seconds=2700)
        """
        end = self.ended_at if self.ended_at is not None else now
        return max(as_utc(end) - as_utc(self.started_at), timedelta(0))


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

    >>> from datetime import UTC
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
    if point.status == Status.DOWN:
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
