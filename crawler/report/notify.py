"""Webhooks after a run: a resource went down, came back, or announced something.

Payloads are JSON POSTs (documented in README, "Webhooks"). A webhook that fails
is retried, then logged; it never fails the crawl.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler import __version__
from crawler.core.timeutil import iso, parse_stored, utcnow

if TYPE_CHECKING:
    from crawler.store.database import Store

logger = logging.getLogger(__name__)
USER_AGENT = f"healthcrawl/{__version__} webhook"


def build_payloads(store: Store, run_id: int, events: Iterable[str]) -> list[dict[str, Any]]:
    """One payload per incident opened ("down") or closed ("recovered") in the run,
    and one per resource with announcements new in the run."""
    wanted = set(events)
    run = store.run(run_id) or {}
    resources = {r["id"]: r for r in store.active_resources()}
    base = {"run": {"id": run_id, "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
                    "complete": bool(run.get("complete"))}}
    payloads: list[dict[str, Any]] = []
    checks = store.checks_for_run(run_id)
    for incident in store.incidents_in_run(run_id):
        resource = resources.get(incident["resource_id"])
        if resource is None:
            continue
        event = "recovered" if incident["closed_run"] == run_id and incident["ended_at"] else "down"
        if event not in wanted:
            continue
        check = checks.get(incident["resource_id"], {})
        payload = {
            **base, "event": event, "at": iso(utcnow()), "resource": _resource(resource),
            "status": check.get("status"), "error": check.get("error"),
            "incident": {k: incident[k] for k in ("started_at", "ended_at", "first_error", "checks_failed")},
        }
        if event == "recovered":
            payload["downtime_seconds"] = int(
                (parse_stored(incident["ended_at"]) - parse_stored(incident["started_at"])).total_seconds())
        payloads.append(payload)
    if "announcements" in wanted:
        new: dict[str, list[dict[str, Any]]] = {}
        for item in store.announcements_seen_in(run_id):
            if item["new"] and item["resource_id"] in resources:
                new.setdefault(item["resource_id"], []).append(
                    {"title": item["title"], "url": item["url"], "published": item["published"]})
        for resource_id, items in new.items():
            payloads.append({**base, "event": "announcements", "at": iso(utcnow()),
                             "resource": _resource(resources[resource_id]), "announcements": items})
    return payloads


def _resource(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "slug": row["id"], "url": row["url"]}


@dataclass(frozen=True)
class Delivery:
    url: str
    event: str
    ok: bool
    attempts: int
    error: str | None = None


def post_json(url: str, payload: dict[str, Any], timeout: float) -> None:
    """POST one payload; raises on network errors and non-2xx answers."""
    request = urllib.request.Request(
        url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, validated
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, "webhook refused", response.headers, None)


def deliver(
    urls: Iterable[str],
    payloads: list[dict[str, Any]],
    *,
    timeout: float,
    retries: int,
    backoff: float = 1.0,
    send: Callable[[str, dict[str, Any], float], None] = post_json,
) -> list[Delivery]:
    """Send every payload to every URL, retrying each with exponential backoff."""
    results = []
    for url in urls:
        for payload in payloads:
            error = None
            for attempt in range(1, retries + 2):
                try:
                    send(url, payload, timeout)
                except (OSError, urllib.error.URLError, ValueError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    if attempt <= retries:
                        time.sleep(backoff * 2 ** (attempt - 1))
                    continue
                results.append(Delivery(url, payload["event"], True, attempt))
                break
            else:
                logger.warning("webhook %s failed for %s after %d attempts: %s",
                               url, payload["event"], retries + 1, error)
                results.append(Delivery(url, payload["event"], False, retries + 1, error))
    return results
