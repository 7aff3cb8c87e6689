"""What each new check changes in a resource's history: content and title
changes (events), incidents opened and closed, and the day's rollup.

Called by the storage pipeline after the check row is written; the decisions
are the pure functions of crawler.core.history and crawler.extract.maintext.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from crawler.core.history import CheckPoint, Incident, rollup_days, update_incident
from crawler.core.timeutil import iso, parse_stored
from crawler.core.vocabulary import EventKind
from crawler.extract.maintext import change_summary, fingerprint

if TYPE_CHECKING:
    from crawler.store.database import Store


def record_content(store: Store, run_id: int, resource_id: str, url: str, *,
                   text: str | None, title: str | None, digest: str | None = None) -> str | None:
    """Compare the page's main text and title with the last ones seen; record a
    change as an event with a short diff summary. Returns the new fingerprint
    (`digest`, the text's fingerprint when the caller has it already)."""
    if text is None:
        return None
    digest = digest or fingerprint(text)
    memory = store.resource_memory(resource_id)
    if memory["last_fingerprint"] and memory["last_fingerprint"] != digest:
        store.record_event(run_id, resource_id=resource_id, kind=EventKind.CONTENT, url=url, old=None, new=None,
                           detail=change_summary(memory["last_text"] or "", text))
    if memory["last_title"] is not None and title is not None and memory["last_title"] != title:
        store.record_event(run_id, resource_id=resource_id, kind=EventKind.TITLE, url=url,
                           old=memory["last_title"], new=title, detail=None)
    store.remember_content(resource_id, text=text, fingerprint=digest, title=title)
    return digest


def record_incident(store: Store, run_id: int, resource_id: str, check: dict[str, Any]) -> str | None:
    """Advance the resource's incident with this confirmed check; "opened",
    "closed" or None."""
    row = store.open_incident(resource_id)
    current = None
    if row is not None:
        current = Incident(parse_stored(row["started_at"]), None, row["first_error"], row["checks_failed"])
    updated, event = update_incident(current, CheckPoint.from_row(check))
    if updated is None or (event is None and updated == current):
        return event
    saved: dict[str, Any] = {
        "resource_id": resource_id,
        "started_at": iso(updated.started_at),
        "ended_at": iso(updated.ended_at),
        "first_error": updated.first_error,
        "checks_failed": updated.checks_failed,
        "last_error": check.get("error") or (row or {}).get("last_error"),
    }
    if row is not None:
        saved["id"] = row["id"]
    if event == "opened":
        saved["opened_run"] = run_id
    if event == "closed":
        saved["closed_run"] = run_id
    store.save_incident(saved)
    return event


def refresh_daily(store: Store, resource_id: str, day: str) -> None:
    """Recompute one day's rollup from its raw checks (cheap: one day, one resource)."""
    points = [CheckPoint.from_row(c) for c in store.day_checks(resource_id, day)]
    store.save_daily([
        {"resource_id": resource_id, "day": r.day.isoformat(), "checks": r.checks, "up": r.up,
         "degraded": r.degraded, "down": r.down, "maintenance": r.maintenance,
         "median_ms": r.median_ms, "p95_ms": r.p95_ms}
        for r in rollup_days(points)
    ])


def day_of(moment: str | datetime) -> str:
    """
    >>> day_of("2026-11-25T23:59:59Z")
    '2026-11-25'
    """
    return (moment if isinstance(moment, str) else iso(moment))[:10]
