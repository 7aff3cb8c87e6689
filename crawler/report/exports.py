"""Machine-readable exports of the status document: JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

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
