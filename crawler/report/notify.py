"""Notifications after a run: webhooks and Apprise digests, every delivery recorded.

Webhook payloads are JSON POSTs, one per event (docs/history.md, "Webhooks"); an
Apprise channel gets one digest per run (crawler.report.digest, .channels). A
delivery that fails is retried, recorded and reported; it never fails the crawl.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler import __version__
from crawler.core.config import DIGEST_EVENTS, NOTIFY_EVENTS
from crawler.core.timeutil import iso, parse_stored, utcnow
from crawler.report.channels import Delivery, send_digest
from crawler.report.digest import collect, sample

if TYPE_CHECKING:
    from crawler.core.config import Config
    from crawler.store.database import Store

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


def notify_run(store: Store, config: Config, run_id: int, events: Iterable[str] | None = None) -> list[Delivery]:
    """Send what the run changed to every webhook and Apprise channel, and record each
    delivery. `events` (run --notify-on) narrows every channel's own list for this run."""
    notify = config.notify
    deliveries: list[Delivery] = []
    wanted = None if events is None else set(events)
    if notify.webhooks:
        hook_events = notify.on if wanted is None else [e for e in NOTIFY_EVENTS if e in wanted]
        payloads = build_payloads(store, run_id, hook_events)
        deliveries += deliver(notify.webhooks, payloads, timeout=notify.timeout, retries=notify.retries)
    if notify.apprise:
        digest = collect(store, run_id, tls_warning_days=config.settings.tls_warning_days)
        if wanted is not None:
            digest = digest.only(wanted)
        deliveries += send_digest(notify.apprise, digest, timeout=notify.timeout, retries=notify.retries)
    for delivery in deliveries:
        store.record_delivery(run_id, channel=delivery.channel, kind=delivery.kind, events=delivery.events,
                              ok=delivery.ok, attempts=delivery.attempts, error=delivery.error)
    return deliveries


def notify_test(config: Config) -> list[Delivery]:
    """A sample digest to every Apprise channel (all its events) and a `test` payload to
    every webhook, so a user can see the setup work before anything happens."""
    notify = config.notify
    test_payload = {"event": "test", "at": iso(utcnow()),
                    "message": "a test from healthcrawl notify --test: this webhook works"}
    deliveries = deliver(notify.webhooks, [test_payload], timeout=notify.timeout, retries=0)
    channels = tuple(replace(channel, on=DIGEST_EVENTS) for channel in notify.apprise)
    return deliveries + send_digest(channels, sample(config), timeout=notify.timeout, retries=0)


def mask_webhook(url: str) -> str:
    """A webhook URL fit to print: tokens often sit in its path or query, so only the
    host and the first path segment are kept.

    >>> mask_webhook("https://hooks.slack.com/services/T000/B000/XXXXSECRET")
    'https://hooks.slack.com/services/****'
    >>> mask_webhook("http://user:pw@127.0.0.1:8080/hook?token=abc")
    'http://127.0.0.1:8080/hook?****'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    segments = parts.path.split("/")
    path = "/".join(segments[:2]) + ("/****" if len(segments) > 2 and any(segments[2:]) else "")
    return f"{parts.scheme}://{host}{path}{'?****' if parts.query else ''}"


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
                results.append(Delivery(mask_webhook(url), "webhook", (payload["event"],), True, attempt))
                break
            else:
                results.append(Delivery(mask_webhook(url), "webhook", (payload["event"],), False, retries + 1,
                                        error and error.replace(url, mask_webhook(url))))
    return results
