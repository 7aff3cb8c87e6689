"""Notifications after a run: webhooks and Apprise digests, every delivery recorded.

Webhook payloads are JSON POSTs, one per event and resource (docs/history.md,
"Webhooks"); an Apprise channel gets one digest per run (crawler.report.digest,
.channels). Both speak the events of crawler.core.vocabulary.NotifyEvent. A
delivery that fails is retried, recorded and reported in one plain sentence; it
never fails the crawl.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler import __version__
from crawler.core.config import EVENTS
from crawler.core.timeutil import iso, parse_stored, utcnow
from crawler.core.vocabulary import NotifyEvent
from crawler.report.channels import Delivery, plain_error, send_digest
from crawler.report.digest import Digest, collect, sample
from crawler.report.status import run_cause

if TYPE_CHECKING:
    from crawler.core.config import Config
    from crawler.store.database import Store

USER_AGENT = f"healthcrawl/{__version__} webhook"
_FROM_DIGEST = {NotifyEvent.BROKEN_LINKS, NotifyEvent.TLS_EXPIRING}  # what only the digest works out


# -- one shape per event: real runs and `notify test` build payloads with these ------------


def _incident_payload(base: dict[str, Any], event: str, resource: dict[str, Any], *, status: str | None,
                      error: str | None, incident: dict[str, Any]) -> dict[str, Any]:
    payload = {**base, "event": event, "at": iso(utcnow()), "resource": resource, "status": status,
               "error": error, "incident": incident}
    if event == NotifyEvent.RECOVERED and incident.get("ended_at"):
        payload["downtime_seconds"] = int(
            (parse_stored(incident["ended_at"]) - parse_stored(incident["started_at"])).total_seconds())
    return payload


def _announcements_payload(base: dict[str, Any], resource: dict[str, Any],
                           items: list[dict[str, Any]]) -> dict[str, Any]:
    return {**base, "event": NotifyEvent.ANNOUNCEMENTS.value, "at": iso(utcnow()), "resource": resource,
            "announcements": items}


def _digest_payloads(base: dict[str, Any], digest: Digest, resources: dict[str, dict[str, Any]],
                     events: set[str]) -> list[dict[str, Any]]:
    """broken_links (one payload per resource, with its newly broken links) and
    tls_expiring (one per certificate), from the digest; `resources` by name."""
    payloads: list[dict[str, Any]] = []
    if NotifyEvent.BROKEN_LINKS in events:
        by_resource: dict[str, list[dict[str, Any]]] = {}
        for link in digest.broken:
            by_resource.setdefault(link.resource, []).append(
                {"url": link.url, "error": link.error, "found_on": list(link.found_on)})
        payloads += [{**base, "event": NotifyEvent.BROKEN_LINKS.value, "at": iso(utcnow()),
                      "resource": resources[name], "links": links}
                     for name, links in by_resource.items() if name in resources]
    if NotifyEvent.TLS_EXPIRING in events:
        payloads += [{**base, "event": NotifyEvent.TLS_EXPIRING.value, "at": iso(utcnow()),
                      "resource": resources[cert.resource], "tls_expires_at": cert.expires_at,
                      "days_left": cert.days_left}
                     for cert in digest.expiring if cert.resource in resources]
    return payloads


def _resource(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "slug": row["id"], "url": row["url"]}


def build_payloads(store: Store, run_id: int, events: Iterable[str], digest: Digest | None = None
                   ) -> list[dict[str, Any]]:
    """One payload per incident opened ("down") or closed ("recovered") in the run,
    one per resource with announcements new in the run, and, from the run's digest,
    one per resource with newly broken links and one per certificate newly expiring."""
    wanted = set(events)
    run = store.run(run_id) or {}
    resources = {r["id"]: r for r in store.active_resources()}
    base = {"run": {"id": run_id, "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
                    "complete": bool(run.get("complete"))}}
    payloads: list[dict[str, Any]] = []
    checks = store.checks_for_run(run_id)
    base["run"]["cause"] = run_cause(resources.values(), checks)
    for incident in store.incidents_in_run(run_id):
        resource = resources.get(incident["resource_id"])
        if resource is None:
            continue
        event = "recovered" if incident["closed_run"] == run_id and incident["ended_at"] else "down"
        if event not in wanted:
            continue
        check = checks.get(incident["resource_id"], {})
        payloads.append(_incident_payload(
            base, event, _resource(resource), status=check.get("status"), error=check.get("error"),
            incident={k: incident[k] for k in ("started_at", "ended_at", "first_error", "checks_failed")}))
    if "announcements" in wanted:
        new: dict[str, list[dict[str, Any]]] = {}
        for item in store.announcements_seen_in(run_id):
            if item["new"] and item["resource_id"] in resources:
                new.setdefault(item["resource_id"], []).append(
                    {"title": item["title"], "url": item["url"], "published": item["published"]})
        payloads += [_announcements_payload(base, _resource(resources[rid]), items) for rid, items in new.items()]
    if digest is not None:
        payloads += _digest_payloads(base, digest, {r["name"]: _resource(r) for r in resources.values()}, wanted)
    return payloads


def notify_run(store: Store, config: Config, run_id: int, events: Iterable[str] | None = None) -> list[Delivery]:
    """Send what the run changed to every webhook and Apprise channel, and record each
    delivery. `events` (run --notify-on) narrows every channel's own list for this run."""
    notify = config.notify
    wanted = None if events is None else set(events)
    hook_events = [e for e in notify.on if wanted is None or e in wanted] if notify.webhooks else []
    digest = None
    if notify.apprise or _FROM_DIGEST & set(hook_events):
        digest = collect(store, run_id, tls_warning_days=config.settings.tls_warning_days)
    deliveries: list[Delivery] = []
    if hook_events:
        payloads = build_payloads(store, run_id, hook_events, digest)
        deliveries += deliver(notify.webhooks, payloads, timeout=notify.timeout, retries=notify.retries)
    if notify.apprise and digest is not None:
        share = digest if wanted is None else digest.only(wanted)
        deliveries += send_digest(notify.apprise, share, timeout=notify.timeout, retries=notify.retries)
    for delivery in deliveries:
        store.record_delivery(run_id, channel=delivery.channel, kind=delivery.kind, events=delivery.events,
                              ok=delivery.ok, attempts=delivery.attempts, error=delivery.error)
    return deliveries


def sample_payloads(config: Config, events: Iterable[str]) -> list[dict[str, Any]]:
    """What a webhook would get for each of these events, built from the sample digest
    with the same functions as a real run's payloads."""
    digest = sample(config)
    wanted = [e for e in EVENTS if e in set(events)]
    base = {"run": {"id": None, "started_at": iso(utcnow()), "finished_at": iso(utcnow()), "complete": True,
                    "cause": None}}
    first = config.resources[0] if config.resources else None
    resource = {"name": digest.opened[0].resource, "slug": first.slug if first else "example-resource",
                "url": digest.opened[0].url}
    opened, closed = digest.opened[0], digest.closed[0]
    payloads = []
    for event in wanted:
        if event == NotifyEvent.DOWN:
            payloads.append(_incident_payload(base, event, resource, status="down", error=opened.error, incident={
                "started_at": opened.started_at, "ended_at": None, "first_error": opened.error, "checks_failed": 2}))
        elif event == NotifyEvent.RECOVERED:
            payloads.append(_incident_payload(base, event, resource, status="up", error=None, incident={
                "started_at": closed.started_at, "ended_at": closed.ended_at, "first_error": closed.error,
                "checks_failed": 3}))
        elif event == NotifyEvent.ANNOUNCEMENTS:
            payloads.append(_announcements_payload(base, resource, [
                {"title": item.title, "url": item.url, "published": item.published}
                for item in digest.announcements[0].items]))
        else:
            payloads += _digest_payloads(base, digest, {resource["name"]: resource}, {event})
    return payloads


def notify_test(config: Config) -> list[Delivery]:
    """A sample of every event kind to every channel, each narrowed to the channel's
    own `on:` list: the Apprise digest a run would send, and to each webhook one
    `test` payload holding a sample of each payload it would get. Nothing is stored."""
    notify = config.notify
    payload = {"event": "test", "at": iso(utcnow()), "events": [e for e in EVENTS if e in notify.on],
               "message": "a test from healthcrawl notify test: this webhook works; `samples` shows "
                          "one payload of each event it is sent",
               "samples": sample_payloads(config, notify.on)}
    deliveries = deliver(notify.webhooks, [payload], timeout=notify.timeout, retries=0)
    return deliveries + send_digest(notify.apprise, sample(config), timeout=notify.timeout, retries=0)


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


def _events_of(payload: dict[str, Any]) -> tuple[str, ...]:
    """The events a payload carries: its own, or for a test, those it samples."""
    return tuple(payload.get("events") or ()) if payload["event"] == "test" else (payload["event"],)


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
        shown = mask_webhook(url)
        for payload in payloads:
            error = None
            for attempt in range(1, retries + 2):
                try:
                    send(url, payload, timeout)
                except (OSError, urllib.error.URLError, ValueError) as exc:
                    error = plain_error(exc, url, timeout=timeout).replace(url, shown)
                    if attempt <= retries:
                        time.sleep(backoff * 2 ** (attempt - 1))
                    continue
                results.append(Delivery(shown, "webhook", _events_of(payload), True, attempt))
                break
            else:
                results.append(Delivery(shown, "webhook", _events_of(payload), False, retries + 1, error))
    return results
