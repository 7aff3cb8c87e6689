"""Machine-readable exports of the status document: JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from crawler.core.timeutil import parse_iso, publisher_clock

CSV_COLUMNS = (
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


def to_json(status: dict[str, Any]) -> str:
    return json.dumps(status, ensure_ascii=False, indent=2) + "\n"


def to_csv(status: dict[str, Any]) -> str:
    """One row per resource; the redirect chain as 'status url' hops joined by ' -> '."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for resource in status["resources"]:
        row = dict(resource)
        row["redirects"] = " -> ".join(f"{h['status']} {h['url']}" for h in resource["redirects"])
        writer.writerow(row)
    return buffer.getvalue()


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
    and with `new_only` only those new since the previous complete run."""
    if since is None and not new_only:
        return status
    resources = [
        {**r, "announcements": [a for a in r.get("announcements", []) if _keep(a, since, new_only)]}
        for r in status["resources"]
    ]
    new = [a for a in status.get("new_announcements", []) if _keep(a, since, new_only)]
    return {**status, "resources": resources, "new_announcements": new}
