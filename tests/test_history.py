"""History features of the status page: uptime, percentiles, rollups and incidents,
computed from fixed check rows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.history import (
    CheckPoint,
    DailyRollup,
    Incident,
    combined_uptime,
    percentile,
    response_stats,
    rollup_days,
    update_incident,
    uptime,
)

UTC = UTC
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
H = timedelta(hours=1)
D = timedelta(days=1)


def pt(age: timedelta, status: str, ms: int | None = 100, error: str | None = None) -> CheckPoint:
    return CheckPoint(NOW - age, status, ms, error)


# One resource's stored checks, hand-picked so every window has a known answer.
HISTORY = [
    pt(-H, "down"),  # in the future: never counted
    pt(timedelta(0), "up", 120),  # exactly now: in every window
    pt(2 * H, "down", None, "timeout"),
    pt(3 * H, "maintenance", None),
    pt(23 * H, "degraded", 900),
    pt(24 * H, "down", None),  # exactly 24 h old: out of the 24 h window, in 7 d
    pt(3 * D, "down", None),
    pt(6 * D, "up", 80),
    pt(20 * D, "down", None),
    pt(20 * D + H, "down", None),
    pt(29 * D, "up", 95),
    pt(60 * D, "up", 110),
    pt(89 * D, "maintenance", None),
    pt(95 * D, "down", None),  # older than 90 d
]


# --- uptime ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "good", "counted"),
    [
        (timedelta(hours=24), 2, 3),  # now up, 2h down, 23h degraded; 3h maintenance left out
        (timedelta(days=7), 3, 6),  # + 24h down, 3d down, 6d up
        (timedelta(days=30), 4, 9),  # + two downs at 20d, 29d up
        (timedelta(days=90), 5, 10),  # + 60d up; 89d maintenance left out; 95d too old
    ],
    ids=["24h", "7d", "30d", "90d"],
)
def test_uptime_over_windows(window: timedelta, good: int, counted: int) -> None:
    assert uptime(HISTORY, now=NOW, window=window) == pytest.approx(good / counted)


def test_uptime_accepts_a_generator_and_other_offsets() -> None:
    paris = timezone(timedelta(hours=1))
    points = (CheckPoint(p.checked_at.astimezone(paris), p.status, p.response_ms) for p in HISTORY)
    assert uptime(points, now=NOW.astimezone(paris), window=7 * D) == pytest.approx(0.5)


def test_uptime_reads_naive_times_as_utc() -> None:
    naive = [CheckPoint(p.checked_at.replace(tzinfo=None), p.status, None) for p in HISTORY]
    assert uptime(naive, now=NOW, window=30 * D) == pytest.approx(4 / 9)


@pytest.mark.parametrize(
    "points",
    [
        [],
        [pt(H, "maintenance"), pt(2 * H, "maintenance")],
        [pt(2 * D, "up")],  # outside the window
        [pt(H, "unknown")],
    ],
    ids=["empty", "only-maintenance", "outside", "unknown-status"],
)
def test_uptime_is_none_without_counted_checks(points: list[CheckPoint]) -> None:
    assert uptime(points, now=NOW, window=D) is None


@pytest.mark.parametrize("statuses", [["up"] * 5, ["down"] * 5, ["degraded", "down"]])
def test_uptime_extremes(statuses: list[str]) -> None:
    points = [pt(n * H, s) for n, s in enumerate(statuses)]
    expected = sum(s != "down" for s in statuses) / len(statuses)
    assert uptime(points, now=NOW, window=D) == expected


@pytest.mark.parametrize("window", [timedelta(0), -D])
def test_uptime_rejects_empty_window(window: timedelta) -> None:
    with pytest.raises(ValueError, match="window must be positive"):
        uptime(HISTORY, now=NOW, window=window)


# --- percentiles and response times ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 50, 2.5),  # order does not matter
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([10, 20, 30, 40, 50], 95, 48.0),
        ([10, 20, 30, 40, 50], 25, 20.0),
        ([100, 100, 100], 95, 100.0),
        ([7], 95, 7.0),
        ([1.5, float("nan"), 2.5], 50, 2.0),  # NaN ignored
        (list(range(1, 101)), 95, 95.05),
    ],
)
def test_percentile_linear_interpolation(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)


@pytest.mark.parametrize("values", [[], [float("nan")]])
def test_percentile_of_nothing_is_none(values: list[float]) -> None:
    assert percentile(values, 50) is None


@pytest.mark.parametrize("p", [-1, 100.5, 200])
def test_percentile_rejects_bad_p(p: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1, 2], p)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_stays_in_range_and_grows_with_p(values: list[float], p: float, q: float) -> None:
    low, high = sorted((p, q))
    a, b = percentile(values, low), percentile(values, high)
    assert a is not None and b is not None
    tol = 1e-9 * max(1.0, max(values))  # interpolation rounds in the last bits
    assert min(values) - tol <= a <= b + tol
    assert b <= max(values) + tol


def test_response_stats_uses_only_available_checks_in_window() -> None:
    points = [
        pt(H, "up", 100),
        pt(2 * H, "degraded", 300),
        pt(3 * H, "up", 200),
        pt(4 * H, "up", None),  # no timing recorded
        pt(5 * H, "down", 30_000),  # a timeout is not a speed
        pt(6 * H, "maintenance", 5),
        pt(2 * D, "up", 9_999),  # outside the window
    ]
    stats = response_stats(points, now=NOW, window=D)
    assert stats == {"median_ms": 200.0, "p95_ms": pytest.approx(290.0), "samples": 3}


def test_response_stats_without_samples() -> None:
    assert response_stats([pt(H, "down", None)], now=NOW, window=D) == {
        "median_ms": None,
        "p95_ms": None,
        "samples": 0,
    }


# --- rollups -----------------------------------------------------------------------------


def test_rollup_days_groups_by_utc_day() -> None:
    plus2 = timezone(timedelta(hours=2))
    points = [
        CheckPoint(datetime(2026, 11, 24, 10, tzinfo=UTC), "up", 100),
        CheckPoint(datetime(2026, 11, 24, 11, tzinfo=UTC), "degraded", 300),
        CheckPoint(datetime(2026, 11, 24, 12, tzinfo=UTC), "down", None, "timeout"),
        CheckPoint(datetime(2026, 11, 24, 13, tzinfo=UTC), "maintenance", None),
        CheckPoint(datetime(2026, 11, 24, 14, tzinfo=UTC), "up", 200),
        # 01:30 in UTC+2 on the 25th is 23:30 UTC on the 24th
        CheckPoint(datetime(2026, 11, 25, 1, 30, tzinfo=plus2), "up", 400),
        CheckPoint(datetime(2026, 11, 22, 0, 0, tzinfo=UTC), "down", None),
        CheckPoint(datetime(2026, 11, 22, 1, 0, tzinfo=UTC), "bogus", None),  # skipped
    ]
    rollups = rollup_days(reversed(points))
    assert rollups == [
        DailyRollup(date(2026, 11, 22), 1, 0, 0, 1, 0, None, None),
        DailyRollup(
            date(2026, 11, 24),
            checks=6,
            up=3,
            degraded=1,
            down=1,
            maintenance=1,
            median_ms=250.0,  # of 100, 200, 300, 400
            p95_ms=pytest.approx(385.0),
        ),
    ]
    for rollup in rollups:
        assert rollup.checks == rollup.up + rollup.degraded + rollup.down + rollup.maintenance


def test_rollup_days_empty() -> None:
    assert rollup_days([]) == []


def _roll(day: int, up: int, down: int, maintenance: int = 0, degraded: int = 0) -> DailyRollup:
    return DailyRollup(
        date(2026, 11, day), up + down + maintenance + degraded, up, degraded, down, maintenance, None, None
    )


ROLLUPS = [
    _roll(10, up=24, down=0),
    _roll(20, up=20, down=4),
    _roll(23, up=22, down=1, maintenance=1),
    _roll(24, up=12, down=12),
    _roll(25, up=5, down=0, degraded=5, maintenance=2),  # today
    _roll(26, up=0, down=24),  # after now: ignored
]






def _hourly(days: int, end: datetime) -> list[CheckPoint]:
    """Checks at hh:30 for `days` days before `end`, with a fixed pattern of outages
    and maintenance (so no check falls on a window boundary)."""
    points = []
    start = datetime.combine(end.date() - timedelta(days=days - 1), datetime.min.time(), tzinfo=UTC)
    moment = start + timedelta(minutes=30)
    n = 0
    while moment <= end:
        status = "down" if n % 7 == 0 else "maintenance" if n % 11 == 0 else "degraded" if n % 5 == 0 else "up"
        points.append(CheckPoint(moment, status, 100 + n % 50))
        moment += H
        n += 1
    return points


@pytest.mark.parametrize("days", [1, 2, 7, 30, 90])
def test_rollups_agree_with_raw_uptime_over_whole_days(days: int) -> None:
    end = datetime(2026, 11, 25, 23, 59, 59, tzinfo=UTC)
    points = _hourly(100, end)
    # a window ending a second before midnight covers whole UTC days, as rollups do
    window = timedelta(days=days, seconds=-1)
    raw = uptime(points, now=end, window=window)
    assert combined_uptime(rollup_days(points), [], now=end, window=window) == pytest.approx(raw)


# --- combined uptime ---------------------------------------------------------------------

END = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ALL = _hourly(120, END)
RETAINED_FROM = date(2026, 11, 11)  # raw rows kept for the last 15 days
RAW = [p for p in ALL if p.checked_at.date() >= RETAINED_FROM]
OLD_ROLLUPS = [r for r in rollup_days(ALL) if r.day < RETAINED_FROM]
ALL_ROLLUPS = rollup_days(ALL)  # includes days that raw rows still cover


@pytest.mark.parametrize("days", [1, 7, 30, 90])
@pytest.mark.parametrize("rollups", [OLD_ROLLUPS, ALL_ROLLUPS], ids=["old-only", "overlapping"])
def test_combined_uptime_counts_each_check_once(days: int, rollups: list[DailyRollup]) -> None:
    # A window that starts at midnight, so whole rollup days line up with raw checks.
    window = timedelta(days=days, hours=12)
    expected = uptime(ALL, now=END, window=window)
    assert combined_uptime(rollups, RAW, now=END, window=window) == pytest.approx(expected)


def test_combined_uptime_ignores_rollups_from_the_first_raw_day_on() -> None:
    # Rollups that disagree with the raw rows for the same days must not count.
    liar = [DailyRollup(r.day, 1000, 0, 0, 1000, 0, None, None) for r in ALL_ROLLUPS if r.day >= RETAINED_FROM]
    window = timedelta(days=10)
    assert combined_uptime(OLD_ROLLUPS + liar, RAW, now=END, window=window) == pytest.approx(
        uptime(RAW, now=END, window=window)
    )


def test_combined_uptime_with_only_one_source() -> None:
    assert combined_uptime([], RAW, now=END, window=7 * D) == pytest.approx(uptime(RAW, now=END, window=7 * D))
    only_rollups = combined_uptime(OLD_ROLLUPS, [], now=END, window=timedelta(days=90, hours=12))
    assert only_rollups == pytest.approx(
        uptime([p for p in ALL if p.checked_at.date() < RETAINED_FROM], now=END, window=timedelta(days=90, hours=12))
    )
    assert combined_uptime([], [], now=END, window=D) is None


def test_combined_uptime_rollup_day_overlapping_window_start_is_whole() -> None:
    rollups = [_roll(20, up=0, down=10), _roll(21, up=10, down=0)]
    raw = [CheckPoint(datetime(2026, 11, 22, 6, tzinfo=UTC), "up", 50)]
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    # The window starts at 21 Nov 06:00: day 21 overlaps it and counts whole, day 20 does not.
    assert combined_uptime(rollups, raw, now=now, window=timedelta(hours=30)) == 1.0
    # One more day back reaches into 20 Nov.
    assert combined_uptime(rollups, raw, now=now, window=timedelta(hours=60)) == pytest.approx(11 / 21)


# --- incidents ---------------------------------------------------------------------------

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def seq(*statuses: str, errors: dict[int, str] | None = None) -> list[CheckPoint]:
    errors = errors or {}
    return [CheckPoint(T0 + n * H, s, None, errors.get(n)) for n, s in enumerate(statuses)]


def test_down_down_up_is_one_closed_incident() -> None:
    points = seq("up", "down", "down", "up", errors={1: "DNS lookup failed", 2: "timeout"})
    events = []
    incident = None
    for point in points:
        incident, event = update_incident(incident, point)
        events.append(event)
    assert events == [None, "opened", None, "closed"]
    assert incident == Incident(T0 + H, T0 + 3 * H, "DNS lookup failed", 2)
    assert incident.duration(T0 + 100 * H) == 2 * H








def _replay(points: list[CheckPoint]) -> list[Incident]:
    """The incidents a run of checks gives, fed one at a time to update_incident as
    crawler.record.timeline does."""
    incidents: list[Incident] = []
    current = None
    for point in points:
        current, event = update_incident(current, point)
        if event == "opened":
            incidents.append(current)
        elif current is not None and incidents:
            incidents[-1] = current
    return incidents


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        # maintenance in the middle neither closes nor counts
        (("down", "maintenance", "down", "up"), [(0, 3, 2)]),
        (("down", "maintenance", "maintenance", "up"), [(0, 3, 1)]),
        # maintenance alone never opens one
        (("up", "maintenance", "maintenance", "up"), []),
        # degraded is available: it closes
        (("down", "degraded"), [(0, 1, 1)]),
        # two incidents
        (("down", "up", "up", "down", "down", "down", "up"), [(0, 1, 1), (3, 6, 3)]),
        # still open at the end
        (("up", "down", "down"), [(1, None, 2)]),
        (("up", "degraded", "up"), []),
        ((), []),
    ],
)
def test__replay(statuses: tuple[str, ...], expected: list[tuple[int, int | None, int]]) -> None:
    incidents = _replay(seq(*statuses))
    assert [
        (
            (i.started_at - T0) // H,
            None if i.ended_at is None else (i.ended_at - T0) // H,
            i.checks_failed,
        )
        for i in incidents
    ] == expected


def test_first_error_is_the_first_one_known() -> None:
    incident = _replay(seq("down", "down", "down", errors={1: "HTTP 503", 2: "timeout"}))[0]
    assert incident.first_error == "HTTP 503"
    assert incident.ongoing
    assert incident.duration(T0 + 5 * H) == 5 * H


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["up", "degraded", "down", "maintenance"]), max_size=60))
def test_incident_replay_invariants(statuses: list[str]) -> None:
    points = seq(*statuses)
    incidents = _replay(points)
    assert sum(i.checks_failed for i in incidents) == statuses.count("down")
    for earlier, later in itertools.pairwise(incidents):
        assert earlier.ended_at is not None and earlier.ended_at <= later.started_at
    by_time = {p.checked_at: p.status for p in points}
    for incident in incidents:
        assert by_time[incident.started_at] == "down"
        if incident.ended_at is not None:
            assert by_time[incident.ended_at] in ("up", "degraded")
    last_counted = [s for s in statuses if s != "maintenance"][-1:]
    assert (bool(incidents) and incidents[-1].ongoing) == (last_counted == ["down"])


def test_update_incident_after_a_closed_incident() -> None:
    closed = Incident(T0, T0 + H, "timeout", 1)
    assert update_incident(closed, CheckPoint(T0 + 2 * H, "up", 10)) == (None, None)
    assert update_incident(closed, CheckPoint(T0 + 2 * H, "maintenance", None)) == (None, None)
    reopened, event = update_incident(closed, CheckPoint(T0 + 2 * H, "down", None, "refused"))
    assert event == "opened"
    assert reopened == Incident(T0 + 2 * H, None, "refused", 1)


def test_update_incident_maintenance_keeps_open_incident() -> None:
    open_ = Incident(T0, None, "timeout", 2)
    assert update_incident(open_, CheckPoint(T0 + H, "maintenance", None)) == (open_, None)




# --- sparkline ---------------------------------------------------------------------------


def _coords(points: str) -> list[tuple[float, float]]:
    return [tuple(float(n) for n in pair.split(",")) for pair in points.split()]  # type: ignore[misc]
