"""Retention: which raw history a prune deletes, and when it may.

A prune moves through three states:

* planned -- `plan_prune` fixes the cutoff (a whole UTC day, so a day is either
  rolled up and gone or kept raw, never half of each) and counts what would go;
  nothing is written, which is all `prune --dry-run` does;
* allowed -- `refusal` compares the cutoff with the window of the newest complete
  run: what that run's `retention` keeps is kept, unless the caller forces it (a
  typo such as `--keep 1w` must not wipe the history a 90-day setting promises);
* applied -- `apply_prune` rolls up every day it is about to delete, then deletes
  the raw rows in one transaction. Incidents, announcements, daily rollups and
  each link's current state are never deleted.

`retain` does all three after each complete run, with the run's own retention.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.core.config import CrawlSettings
from crawler.core.timeutil import format_duration, parse_stored, utcnow
from crawler.record.timeline import refresh_daily

if TYPE_CHECKING:
    from crawler.store.database import Store

DAY = 86400.0


@dataclass(frozen=True)
class PrunePlan:
    """What a prune keeping `keep` seconds of raw history deletes: rows older than
    the start of `cutoff_day` (UTC), per table, and the resource-days rolled up first."""

    keep: float
    cutoff_day: date
    counts: dict[str, int] = field(default_factory=dict)
    days: tuple[tuple[str, str], ...] = ()  # (resource id, YYYY-MM-DD) with raw checks before the cutoff
    oldest: str | None = None  # the oldest raw check in the database

    @property
    def cutoff(self) -> str:
        return f"{self.cutoff_day.isoformat()}T00:00:00Z"

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def cutoff_day(now: datetime, keep_seconds: float) -> date:
    """The first UTC day kept: raw rows from before it go.

    >>> from datetime import UTC
    >>> cutoff_day(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), 90 * DAY).isoformat()
    '2026-09-04'
    >>> cutoff_day(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), 0).isoformat()  # --keep 0: only today stays raw
    '2026-12-03'
    """
    return (now - timedelta(seconds=keep_seconds)).date()


def plan_prune(store: Store, keep_seconds: float, now: datetime) -> PrunePlan:
    day = cutoff_day(now, keep_seconds)
    cutoff = f"{day.isoformat()}T00:00:00Z"
    return PrunePlan(keep=keep_seconds, cutoff_day=day, counts=store.prune(cutoff, dry_run=True),
                     days=tuple(store.days_with_checks_before(cutoff)), oldest=store.oldest_check())


def run_retention(run: dict[str, Any]) -> float | None:
    """The retention a run was made with, in seconds; None for `forever`. Runs of
    versions that did not record it had the default."""
    settings = CrawlSettings.from_stored(json.loads(run["settings"]) if run.get("settings") else {})
    return None if settings.retention is None else settings.retention * DAY


def refusal(store: Store, plan: PrunePlan) -> str | None:
    """Why this prune would delete history the newest complete run still keeps, or None.

    That run's window is its retention back from when it started, so a database
    whose runs stopped months ago keeps its last window too."""
    run = store.latest_complete_run()
    if run is None or plan.empty:
        return None
    retention = run_retention(run)
    started = parse_stored(run["started_at"])
    where = f"the newest complete run (run {run['id']}, {started.date().isoformat()})"
    if retention is None:
        return f"{where} keeps raw history forever (retention: forever)"
    protected = cutoff_day(started, retention)
    if plan.cutoff_day <= protected:
        return None
    last = min(plan.cutoff_day, started.date() + timedelta(days=1)) - timedelta(days=1)
    return (f"{where} keeps raw history from {protected.isoformat()} (retention {format_duration(retention)}); "
            f"--keep {format_duration(plan.keep)} would delete it from {protected.isoformat()} to {last.isoformat()}")


def apply_prune(store: Store, plan: PrunePlan) -> dict[str, int]:
    """Roll up every day about to go, then delete; returns the rows deleted per table."""
    for resource_id, day in plan.days:
        refresh_daily(store, resource_id, day)
    return store.prune(plan.cutoff)


def retain(store: Store, run_id: int) -> PrunePlan | None:
    """After a complete run: prune what its own retention no longer keeps (counted
    from when it started). None when it keeps everything or nothing is that old.
    No VACUUM: SQLite reuses the freed pages, so the file stops growing instead."""
    run = store.run(run_id)
    if run is None or not run["complete"]:
        return None
    retention = run_retention(run)
    if retention is None:
        return None
    started = parse_stored(run["started_at"])
    plan = plan_prune(store, retention, started)
    if plan.empty:
        return None
    counts = apply_prune(store, plan)
    return PrunePlan(plan.keep, plan.cutoff_day, counts, plan.days, plan.oldest)


def default_keep(store: Store) -> tuple[float | None, datetime, str]:
    """(seconds, counted back from when, said how) for a prune given no --keep: what
    the newest complete run's retention no longer keeps, counted from its start, as
    that run pruned itself (prune reads no resources.yaml: the run recorded it); the
    default retention from now when no run has completed. None: that run keeps all."""
    run = store.latest_complete_run()
    if run is None:
        default = CrawlSettings().retention
        assert default is not None
        return default * DAY, utcnow(), "the default retention, as no run has completed"
    return run_retention(run), parse_stored(run["started_at"]), \
        f"settings.retention of run {run['id']}, the newest complete run, from its start"
