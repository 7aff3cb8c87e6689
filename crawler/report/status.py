"""Build the status document (status.json, and the page's context) from the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.timeutil import iso, utcnow

if TYPE_CHECKING:
    from crawler.storage import Store

UNCHECKED = "unchecked"
ANNOUNCEMENTS_PER_RESOURCE = 10
STATUS_ORDER = ("down", "degraded", "up", UNCHECKED)

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
)


def build_status(store: Store, run_id: int | None = None) -> dict[str, Any]:
    """The latest (or given) run: one entry per configured resource, checked or not."""
    run = store.run(run_id) if run_id is not None else store.latest_run()
    checks = store.checks_for_run(run["id"]) if run else {}
    fetches = store.announcement_fetches(run["id"]) if run else {}
    seen = store.announcements_seen_in(run["id"]) if run else []
    links = store.link_report(run["id"]) if run else {}
    events = store.events_for_run(run["id"]) if run else []
    names = {}
    resources = []
    for resource in store.active_resources():
        entry = _resource_entry(resource, checks.get(resource["id"]))
        fetch = fetches.get(resource["id"])
        own = [a for a in seen if a["resource_id"] == resource["id"]]
        entry["announcements"] = [_announcement_entry(a) for a in own[:ANNOUNCEMENTS_PER_RESOURCE]]
        entry["announcements_source"] = fetch["source"] if fetch else None
        entry["announcements_warning"] = fetch["warning"] if fetch else None
        entry.update(_link_entry(links.get(resource["id"])))
        entry["events"] = [_event_entry(e) for e in events if e["resource_id"] == resource["id"]]
        names[resource["id"]] = resource["name"]
        resources.append(entry)
    summary = {"total": len(resources), **dict.fromkeys(STATUS_ORDER, 0)}
    for entry in resources:
        summary[entry["status"]] += 1
    new = [{"resource": names[a["resource_id"]], **_announcement_entry(a)}
           for a in seen if a["new"] and a["resource_id"] in names]
    return {
        "generated_at": iso(utcnow()),
        "run": _run_entry(run) if run else None,
        "summary": summary,
        "resources": resources,
        "new_announcements": new,
        "link_events": [_event_entry(e) for e in events if e["resource_id"] is None],
    }


def _link_entry(report: dict[str, Any] | None) -> dict[str, Any]:
    if report is None:
        return {"links": {"checked": 0, "broken": 0, "blocked": 0, "skipped": 0, "robots": 0},
                "pages_crawled": 0, "broken_links": [], "blocked_links": [], "robots_links": []}
    return {"links": report["links"], "pages_crawled": report["pages"],
            "broken_links": report["broken_links"], "blocked_links": report["blocked_links"],
            "robots_links": report["robots_links"]}


def _event_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {"kind": row["kind"], "url": row["url"], "old": row["old"], "new": row["new"], "at": row["at"]}


def _announcement_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": row["title"],
        "url": row["url"],
        "published": row["published"],
        "first_seen": row["first_seen_at"],
        "new": bool(row["new"]),
        "summary": row["summary"] or "",
    }


def _run_entry(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "complete": bool(run["complete"]),
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
        entry.update(status=UNCHECKED, redirects=[], retries=0, reasons=["not checked in this run"])
    else:
        entry.update({key: check.get(key) for key in CHECK_FIELDS})
        entry["redirects"] = entry["redirects"] or []
        entry["reasons"] = entry["reasons"] or []
    return entry
