"""Build the status document (status.json, and the page's context) from the database."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawler.core.classify import local_network_fault
from crawler.core.config import CrawlSettings
from crawler.core.history import CheckPoint, DailyRollup, combined_uptime, response_stats, uptime
from crawler.core.timeutil import iso, parse_stored, utcnow
from crawler.core.vocabulary import WORST_FIRST, Status
from crawler.report.links import link_report

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from crawler.store.database import Store

ANNOUNCEMENTS_PER_RESOURCE = 10
HISTORY_LENGTH = 30
RUN_GAPS = 10  # the usual interval between runs is the median of the latest this many gaps
MIN_RUN_GAPS = 3  # fewer gaps than this are no habit yet (the first runs are often by hand)
OVERDUE_FACTOR = 2  # a report older than this many usual intervals says so

# Fields of a check copied to the resource entry, in the order status.json shows them.
CHECK_FIELDS = (
    "final_url",
    "status",
    "http_status",
    "error",
    "response_ms",
    "title",
    "description",
    "checked_at",
    "redirects",
    "tls_expires_at",
    "retries",
    "content_type",
    "body_bytes",
    "reasons",
    "rendered",
    "render_ms",
    "render_error",
)


def build_status(store: Store, run_id: int | None = None, *, detail_checks: int = 0) -> dict[str, Any]:
    """The latest (or given) run: one entry per configured resource, checked or not,
    with its history (uptime, response times, incidents, changes, freshness).
    `detail_checks` > 0 adds that many recent checks per resource (detail pages)."""
    run = store.run(run_id) if run_id is not None else store.latest_run()
    settings = run_settings(run)
    stale_after_days = settings.stale_after
    now = utcnow()
    checks = store.checks_for_run(run["id"]) if run else {}
    fetches = store.announcement_fetches(run["id"]) if run else {}
    seen = store.announcements_seen_in(run["id"]) if run else []
    since = new_since(run, now)
    recent = store.new_announcements(since) if run else []
    marks = ({a["id"] for a in recent}, {a["id"] for a in seen if a["new"]})
    links = link_report(store, run["id"]) if run else {}
    events = store.events_for_run(run["id"]) if run else []
    names = {}
    resources = []
    active = store.active_resources()
    for resource in active:
        entry = _resource_entry(resource, checks.get(resource["id"]))
        fetch = fetches.get(resource["id"])
        own = [a for a in seen if a["resource_id"] == resource["id"]]
        entry["announcements"] = [_announcement_entry(a, *marks) for a in own[:ANNOUNCEMENTS_PER_RESOURCE]]
        entry["announcements_source"] = fetch["source"] if fetch else None
        entry["announcements_warning"] = fetch["warning"] if fetch else None
        entry["announcements_reason"] = fetch.get("reason") if fetch else None
        entry.update(_link_entry(links.get(resource["id"])))
        entry["events"] = [_event_entry(e) for e in events if e["resource_id"] == resource["id"]]
        entry.update(history_entry(store, resource["id"], now=now, detail_checks=detail_checks))
        entry["freshness"] = freshness(store, resource["id"], entry, fetch, stale_after_days, now)
        names[resource["id"]] = resource["name"]
        resources.append(entry)
    summary: dict[str, int] = {"total": len(resources), **dict.fromkeys(WORST_FIRST, 0)}
    for entry in resources:
        summary[entry["status"]] += 1
    summary["broken_links"] = sum(len(entry["broken_links"]) for entry in resources)
    summary["invalid_links"] = sum(len(entry["invalid_links"]) for entry in resources)
    summary["resources_with_link_problems"] = sum(bool(entry["broken_links"] or entry["invalid_links"])
                                                  for entry in resources)
    new = [{"resource": names[a["resource_id"]], **_announcement_entry(a, *marks)}
           for a in recent if a["resource_id"] in names]
    return {
        "generated_at": iso(now),
        "run": _run_entry(run, store.run_starts(run["id"], RUN_GAPS + 1)) if run else None,
        "summary": summary,
        # a cause every failure shares, said once (the page's banner, the run's output)
        "cause": run_cause(active, checks),
        # the limits the run's verdicts used, for readers that highlight the same things
        "thresholds": {"slow_ms": settings.slow_ms, "tls_warning_days": settings.tls_warning_days,
                       "stale_after_days": settings.stale_after, "new_for_days": settings.new_for},
        "resources": resources,
        "new_since": since,
        "new_announcements": new,
        "link_events": [_event_entry(e) for e in events if e["resource_id"] is None],
    }


def run_cause(resources: Iterable[dict[str, Any]], checks: Mapping[str, dict[str, Any]]) -> str | None:
    """What every failure of the run shares, in one line, or None: the status document,
    the run's output and its notifications say it once, before the failures."""
    return local_network_fault((resource["url"], check.get("error_kind"), check.get("http_status"))
                               for resource in resources if (check := checks.get(resource["id"])) is not None)


def run_settings(run: dict[str, Any] | None) -> CrawlSettings:
    """The settings a run recorded; defaults before any run or for an older version's run."""
    return CrawlSettings.from_stored(json.loads(run["settings"]) if run and run.get("settings") else {})


def new_since(run: dict[str, Any] | None, now: datetime) -> str:
    """Announcements first seen at or after this moment are new: `new_for` days before the
    run started (before `now` without a run). Counted from the run, not from when a report
    is written, so status.json, a later `healthcrawl report` and `export` agree.

    >>> new_since({"started_at": "2026-11-25T07:00:00Z", "settings": '{"new_for": 1.5}'}, utcnow())
    '2026-11-23T19:00:00Z'
    """
    moment = parse_stored(run["started_at"]) if run else now
    return iso(moment - timedelta(days=run_settings(run).new_for))


def _history_item(row: dict[str, Any]) -> dict[str, Any]:
    return {"checked_at": row["checked_at"],
            "status": "maintenance" if row.get("maintenance") else row["status"],
            "response_ms": row["response_ms"], "error": row["error"]}


def history_entry(store: Store, resource_id: str, *, now: datetime, detail_checks: int = 0) -> dict[str, Any]:
    """Uptime over 24 h and 7 d from raw checks, 30 d and 90 d from daily rollups
    joined to the raw days; response times over 7 d; the last 30 results; incidents."""
    raw_since = datetime.combine((now - timedelta(days=7)).date(), datetime.min.time(), UTC)
    rows = store.check_points(resource_id, since=iso(raw_since))
    points = [CheckPoint.from_row(r) for r in rows]
    rollups = [
        DailyRollup(date.fromisoformat(r["day"]), r["checks"], r["up"], r["degraded"], r["down"],
                    r["maintenance"], r["median_ms"], r["p95_ms"])
        for r in store.daily(resource_id, (now - timedelta(days=91)).date().isoformat())
    ]
    recent = rows[:HISTORY_LENGTH] if len(rows) >= HISTORY_LENGTH else \
        store.check_points(resource_id, limit=HISTORY_LENGTH)
    incidents = store.incidents(resource_id)
    current = next((i for i in incidents if i["ended_at"] is None), None)
    change = store.last_change(resource_id)
    result: dict[str, Any] = {
        "uptime": {
            "24h": uptime(points, now=now, window=timedelta(hours=24)),
            "7d": uptime(points, now=now, window=timedelta(days=7)),
            "30d": combined_uptime(rollups, points, now=now, window=timedelta(days=30)),
            "90d": combined_uptime(rollups, points, now=now, window=timedelta(days=90)),
        },
        "response": response_stats(points, now=now, window=timedelta(days=7)),
        "history": [_history_item(r) for r in reversed(recent)],
        "incident": _incident_entry(current) if current else None,
        "incidents": [_incident_entry(i) for i in incidents],
        "last_change": {"at": change["at"], "kind": change["kind"],
                        "summary": change["detail"] or _change_text(change)} if change else None,
        "maintenance": bool(rows and rows[0].get("maintenance")),
    }
    if detail_checks:
        result["checks"] = [
            {**_history_item(r), "http_status": r["http_status"], "title": r["title"]}
            for r in store.check_points(resource_id, limit=detail_checks)
        ]
    return result


def _incident_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {"started_at": row["started_at"], "ended_at": row["ended_at"],
            "first_error": row["first_error"], "checks_failed": row["checks_failed"]}


def _change_text(event: dict[str, Any]) -> str:
    return f"{event['old'] or '—'} → {event['new'] or '—'}"


def freshness(store: Store, resource_id: str, entry: dict[str, Any], fetch: dict[str, Any] | None,
              stale_after_days: float, now: datetime) -> dict[str, Any]:
    """Up is not enough: a site that stopped announcing, or whose feed or selectors
    yield nothing, is `stale`, with the reason."""
    last = store.last_new_announcement(resource_id)
    state, reason = "fresh", None
    why = f": {fetch['reason']}" if fetch and fetch.get("reason") else ""
    if entry["status"] not in ("up", "degraded") or fetch is None:
        state, reason = "unknown", "not read in this run"
    elif fetch["source"] == "feed" and fetch["items"] == 0:
        state, reason = "stale", "the feed returned no items"
    elif fetch["feed_url"] and fetch["items"] == 0:
        state, reason = "stale", f"the feed failed and the page had no announcements ({fetch['warning']}){why}"
    elif fetch["items"] == 0 and fetch["source"] == "selectors":
        state, reason = "stale", f"the configured selectors matched nothing{why}"
    elif last is None:
        state, reason = "unknown", f"no announcements found{why}"
    else:
        age = (now - parse_stored(last)).total_seconds() / 86400
        if age > stale_after_days:
            state, reason = "stale", f"no new announcement in {int(age)} days"
    return {"state": state, "last_new_announcement": last, "reason": reason}


def _link_entry(report: dict[str, Any] | None) -> dict[str, Any]:
    if report is None:
        return {"links": {"checked": 0, "broken": 0, "invalid": 0, "blocked": 0, "skipped": 0, "robots": 0},
                "pages_crawled": 0, "broken_links": [], "invalid_links": [], "blocked_links": [],
                "robots_links": []}
    return {"links": report["links"], "pages_crawled": report["pages"],
            "broken_links": report["broken_links"], "invalid_links": report["invalid_links"],
            "blocked_links": report["blocked_links"], "robots_links": report["robots_links"]}


def _event_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": row["kind"], "url": row["url"], "old": row["old"], "new": row["new"], "at": row["at"]}


def _announcement_entry(row: dict[str, Any], recent_ids: set[int], this_run_ids: set[int]) -> dict[str, Any]:
    """`new`: first seen within the `new_for` window (what the page, feeds and export
    mark); `new_this_run`: first seen by this run (what digests and webhooks send, once)."""
    return {
        "title": row["title"],
        "url": row["url"],
        "published": row["published"],
        "first_seen": row["first_seen_at"],
        "new": row["id"] in recent_ids,
        "new_this_run": row["id"] in this_run_ids,
        "summary": row["summary"] or "",
    }


def usual_interval(starts: list[str]) -> float | None:
    """Seconds between runs as they usually come: the median gap between these start
    times (any order), or None when there are too few to call it a habit.

    >>> usual_interval(["2026-01-01T04:00:00Z", "2026-01-01T03:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T01:00:00Z",
    ...                 "2026-01-01T00:05:00Z", "2026-01-01T00:00:00Z"])
    3600.0
    >>> usual_interval(["2026-01-01T01:00:00Z", "2026-01-01T00:00:00Z"]) is None
    True
    """
    moments = sorted(parse_stored(s) for s in starts)
    gaps = [(b - a).total_seconds() for a, b in zip(moments, moments[1:], strict=False)]
    gaps = [gap for gap in gaps if gap > 0]
    return float(statistics.median(gaps)) if len(gaps) >= MIN_RUN_GAPS else None


def _run_entry(run: dict[str, Any], starts: list[str]) -> dict[str, Any]:
    """The run, with how often runs usually come and when this report is overdue: older
    than twice that, the page warns that the next run may not have happened."""
    interval = usual_interval(starts)
    as_of = run["finished_at"] or run["started_at"]
    overdue = iso(parse_stored(as_of) + timedelta(seconds=OVERDUE_FACTOR * interval)) if interval else None
    return {
        "id": run["id"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "complete": bool(run["complete"]),
        "usual_interval_seconds": interval,
        "overdue_at": overdue,
        # why an incomplete run stopped, or what it could not store; null while it runs,
        # or when its end could not be recorded
        "finish_reason": run["finish_reason"],
    }


def _resource_entry(resource: dict[str, Any], check: dict[str, Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": resource["name"],
        "slug": resource["id"],
        "url": resource["url"],
        "organization": resource["organization"] or "",
        "language": resource["language"],
        "tags": resource["tags"] or [],
    }
    if check is None:
        entry.update(dict.fromkeys(CHECK_FIELDS))
        entry.update(status=Status.UNCHECKED, redirects=[], retries=0, reasons=["not checked in this run"])
    else:
        entry.update({key: check.get(key) for key in CHECK_FIELDS})
        entry["redirects"] = entry["redirects"] or []
        entry["reasons"] = entry["reasons"] or []
        entry["rendered"] = bool(entry["rendered"])  # stored as 0/1, NULL before migration 9
    return entry
