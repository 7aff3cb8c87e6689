"""What `healthcrawl export` prints: the status document, or one table of the database
as rows a user can work with (a spreadsheet, jq, pandas), as JSON or CSV.

``status`` (the default, as before) is the status document as JSON (= status.json) or,
as CSV, one row per resource with the columns of STATUS_CSV_COLUMNS. The other exports
are lists of flat rows with the same columns in JSON and CSV (see COLUMNS).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.core.timeutil import iso, parse_iso, publisher_clock, utcnow
from crawler.report.links import link_rows
from crawler.report.status import build_status, new_since

if TYPE_CHECKING:
    from crawler.store.database import Store

STATUS_CSV_COLUMNS = (
    "name",
    "url",
    "status",
    "http_status",
    "final_url",
    "response_ms",
    "error",
    "title",
    "checked_at",
    "tls_expires_at",
    "redirects",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "resources": ("resource", "name", "url", "status", "http_status", "final_url", "response_ms", "error",
                  "reasons", "title", "checked_at", "tls_expires_at", "redirects", "broken_links",
                  "invalid_links", "uptime_24h", "uptime_7d", "uptime_30d", "uptime_90d", "organization",
                  "language", "tags"),
    "announcements": ("resource", "resource_name", "title", "url", "published", "first_seen", "new",
                      "summary", "source"),
    "links": ("url", "result", "status", "error", "text", "found_on", "resource"),
    "checks": ("resource", "resource_name", "checked_at", "status", "http_status", "response_ms", "error",
               "final_url", "title", "run"),
}
WHAT = ("status", *COLUMNS)
NEW_ONLY = ("status", "announcements")  # the exports --new-only filters
SINCE = ("status", "announcements", "checks")  # the exports --since filters


@dataclass(frozen=True)
class Export:
    """A filtered export: `what` to print, and the filters that apply to it."""

    what: str = "status"
    since: datetime | None = None
    new_only: bool = False

    def unsupported(self) -> str | None:
        """Why the filters do not fit `what`, phrased for the command line, or None."""
        if self.new_only and self.what not in NEW_ONLY:
            return f"--new-only applies to --what {' or '.join(NEW_ONLY)}, not {self.what}"
        if self.since is not None and self.what not in SINCE:
            return f"--since applies to --what {', '.join(SINCE)}, not {self.what}"
        return None


def export(store: Store, request: Export, fmt: str) -> str:
    """The export as text in `fmt` (json or csv)."""
    if request.what == "status":
        status = filter_announcements(build_status(store), since=request.since, new_only=request.new_only)
        return to_json(status) if fmt == "json" else to_csv(status)
    rows = ROWS[request.what](store, request)
    return rows_to_json(rows) if fmt == "json" else rows_to_csv(rows, COLUMNS[request.what])


def _resource_rows(store: Store, request: Export) -> list[dict[str, Any]]:
    rows = []
    for entry in build_status(store)["resources"]:
        uptime = entry.get("uptime") or {}
        rows.append({
            "resource": entry["slug"], "name": entry["name"], "url": entry["url"], "status": entry["status"],
            **{key: entry.get(key) for key in ("http_status", "final_url", "response_ms", "error", "reasons",
                                               "title", "checked_at", "tls_expires_at", "organization",
                                               "language", "tags")},
            "redirects": _chain(entry["redirects"]),
            "broken_links": len(entry["broken_links"]), "invalid_links": len(entry["invalid_links"]),
            **{f"uptime_{window}": uptime.get(window) for window in ("24h", "7d", "30d", "90d")},
        })
    return rows


def _announcement_rows(store: Store, request: Export) -> list[dict[str, Any]]:
    recent = {a["id"] for a in store.new_announcements(new_since(store.latest_run(), utcnow()))}
    rows = []
    for a in store.announcements_since(iso(request.since)):
        new = a["id"] in recent
        if request.new_only and not new:
            continue
        rows.append({"resource": a["resource_id"], "resource_name": a["resource_name"], "title": a["title"],
                     "url": a["url"], "published": a["published"], "first_seen": a["first_seen_at"],
                     "new": new, "summary": a["summary"] or "", "source": a["source"]})
    return rows


def _link_rows(store: Store, request: Export) -> list[dict[str, Any]]:
    """One row per link verdict of the latest run and page it is on (blocked: the evidence
    is the error)."""
    run = store.latest_run()
    if run is None:
        return []
    return [{"url": row["url"], "result": row["result"], "status": row["status"],
             "error": row["error"] or row["evidence"], "text": row["text"], "found_on": row["found_on"],
             "resource": row["resource"]} for row in link_rows(store, run["id"])]


def _check_rows(store: Store, request: Export) -> list[dict[str, Any]]:
    return [{"resource": c["resource_id"], "resource_name": c["resource_name"], "checked_at": c["checked_at"],
             "status": "maintenance" if c["maintenance"] else c["status"], "http_status": c["http_status"],
             "response_ms": c["response_ms"], "error": c["error"], "final_url": c["final_url"],
             "title": c["title"], "run": c["run_id"]}
            for c in store.checks_since(iso(request.since))]


ROWS: dict[str, Callable[[Store, Export], list[dict[str, Any]]]] = {
    "resources": _resource_rows,
    "announcements": _announcement_rows,
    "links": _link_rows,
    "checks": _check_rows,
}


def to_json(status: dict[str, Any]) -> str:
    return json.dumps(status, ensure_ascii=False, indent=2) + "\n"


def to_csv(status: dict[str, Any]) -> str:
    """One row per resource; the redirect chain as 'status url' hops joined by ' -> '."""
    rows = [{**resource, "redirects": _chain(resource["redirects"])} for resource in status["resources"]]
    return rows_to_csv(rows, STATUS_CSV_COLUMNS)


def rows_to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def rows_to_csv(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> str:
    """A header, then one line per row: lists joined by ', ', true/false for booleans,
    empty for null.

    >>> print(rows_to_csv([{"a": ["x", "y"], "b": True, "c": None}], ("a", "b", "c")), end="")
    a,b,c
    "x, y",true,
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row.get(key)) for key in columns})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return value


def _chain(hops: list[dict[str, Any]] | None) -> str:
    return " -> ".join(f"{hop['status']} {hop['url']}" for hop in hops or [])


def _keep(item: dict[str, Any], since: datetime | None, new_only: bool) -> bool:
    if new_only and not item.get("new"):
        return False
    if since is None:
        return True
    # The publisher's calendar, as the status page shows it: an item of the 15th is kept
    # by --since the 15th even when its offset puts the instant on the 14th in UTC.
    published = item.get("published")
    moment = publisher_clock(published) if published else parse_iso(item.get("first_seen"))
    return moment is not None and moment >= since


def filter_announcements(status: dict[str, Any], *, since: datetime | None = None,
                         new_only: bool = False) -> dict[str, Any]:
    """Keep announcements published (or, undated, first seen) at or after `since`,
    and with `new_only` only those marked new (first seen within settings.new_for)."""
    if since is None and not new_only:
        return status
    resources = [
        {**r, "announcements": [a for a in r.get("announcements", []) if _keep(a, since, new_only)]}
        for r in status["resources"]
    ]
    new = [a for a in status.get("new_announcements", []) if _keep(a, since, new_only)]
    return {**status, "resources": resources, "new_announcements": new}
