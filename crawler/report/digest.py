"""The digest a run sends to each Apprise channel: what is new, in one message.

One message per run and channel, never one per item: new announcements grouped by
resource, then incidents opened and closed, then links newly broken since the last
complete run, then certificates that entered the warning window. A channel sees only
the events it asked for; a digest with nothing in it is not sent.

Everything shown comes from the web and is untrusted: the HTML body is autoescaped
and links pass `safe_href`, as on the status page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import jinja2

from crawler.core.timeutil import is_published_day, iso, parse_iso, parse_stored, publisher_clock, utcnow
from crawler.core.vocabulary import LinkVerdict
from crawler.report.findings import failing_links
from crawler.report.links import link_report
from crawler.report.page import TEMPLATE_DIR, safe_href
from crawler.report.status import run_cause

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crawler.core.config import Config
    from crawler.store.database import Store


@dataclass(frozen=True)
class NewsItem:
    title: str
    url: str | None
    published: str | None  # ISO 8601, or None when the item had no date


@dataclass(frozen=True)
class ResourceNews:
    resource: str
    url: str
    items: tuple[NewsItem, ...]


@dataclass(frozen=True)
class IncidentNote:
    resource: str
    url: str
    started_at: str
    error: str | None
    ended_at: str | None = None  # set when the incident closed in this run

    @property
    def downtime(self) -> str:
        if not self.ended_at:
            return ""
        return _duration((parse_stored(self.ended_at) - parse_stored(self.started_at)).total_seconds())


@dataclass(frozen=True)
class BrokenLink:
    resource: str
    url: str
    error: str | None
    found_on: tuple[str, ...]


@dataclass(frozen=True)
class ExpiringCertificate:
    resource: str
    url: str
    expires_at: str
    days_left: int


@dataclass(frozen=True)
class Digest:
    """What one run has to tell; `only()` narrows it to a channel's events."""

    run_id: int | None
    announcements: tuple[ResourceNews, ...] = ()
    opened: tuple[IncidentNote, ...] = ()  # event "down"
    closed: tuple[IncidentNote, ...] = ()  # event "recovered"
    broken: tuple[BrokenLink, ...] = ()  # event "broken_links"
    expiring: tuple[ExpiringCertificate, ...] = ()  # event "tls_expiring"
    test: bool = False  # a sample from `healthcrawl notify test`
    cause: str | None = None  # what every failure of the run shares (status.json's `cause`)
    report_url: str | None = field(default=None, compare=False)

    def only(self, events: Iterable[str]) -> Digest:
        wanted = set(events)
        return replace(
            self,
            announcements=self.announcements if "announcements" in wanted else (),
            opened=self.opened if "down" in wanted else (),
            closed=self.closed if "recovered" in wanted else (),
            broken=self.broken if "broken_links" in wanted else (),
            expiring=self.expiring if "tls_expiring" in wanted else (),
        )

    @property
    def events(self) -> tuple[str, ...]:
        """The events this digest carries, in the order it shows them."""
        present = (("announcements", self.announcements), ("down", self.opened), ("recovered", self.closed),
                   ("broken_links", self.broken), ("tls_expiring", self.expiring))
        return tuple(name for name, items in present if items)

    @property
    def empty(self) -> bool:
        return not self.events

    @property
    def title(self) -> str:
        """The subject line: counts, most urgent first."""
        parts = []
        if self.opened:
            parts.append(_count(len(self.opened), "resource down", "resources down")
                         + (" (no server answered: this machine's network?)" if self.cause else ""))
        if self.closed:
            parts.append(_count(len(self.closed), "recovered", "recovered"))
        news = sum(len(group.items) for group in self.announcements)
        if news:
            parts.append(_count(news, "new announcement", "new announcements"))
        if self.broken:
            parts.append(_count(len(self.broken), "newly broken link", "newly broken links"))
        if self.expiring:
            parts.append(_count(len(self.expiring), "certificate expiring", "certificates expiring"))
        prefix = "healthcrawl test: " if self.test else "healthcrawl: "
        return prefix + (", ".join(parts) or "nothing new")


def collect(store: Store, run_id: int, *, tls_warning_days: int) -> Digest:
    """Everything new in a run, for every event; channels narrow it with `only()`."""
    resources = {row["id"]: row for row in store.active_resources()}
    checks = store.checks_for_run(run_id)
    previous = store.previous_complete_run(run_id)

    news: dict[str, list[NewsItem]] = {}
    for item in store.announcements_seen_in(run_id):
        if item["new"] and item["resource_id"] in resources:
            news.setdefault(item["resource_id"], []).append(
                NewsItem(item["title"], item["url"], item["published"]))
    announcements = tuple(
        ResourceNews(resources[rid]["name"], resources[rid]["url"], tuple(items))
        for rid, items in sorted(news.items(), key=lambda kv: resources[kv[0]]["name"].casefold()))

    opened, closed = [], []
    for incident in store.incidents_in_run(run_id):
        resource = resources.get(incident["resource_id"])
        if resource is None:
            continue
        error = (checks.get(incident["resource_id"]) or {}).get("error") or incident["first_error"]
        if incident["closed_run"] == run_id and incident["ended_at"]:
            closed.append(IncidentNote(resource["name"], resource["url"], incident["started_at"],
                                       incident["first_error"], incident["ended_at"]))
        else:
            opened.append(IncidentNote(resource["name"], resource["url"], incident["started_at"], error))

    return Digest(
        run_id=run_id,
        announcements=announcements,
        opened=tuple(opened),
        closed=tuple(closed),
        broken=_newly_broken(store, run_id, resources),
        expiring=_newly_expiring(store, checks, previous, resources, tls_warning_days),
        cause=run_cause(resources.values(), checks),
    )


def _newly_broken(store: Store, run_id: int, resources: dict[str, dict[str, Any]]) -> tuple[BrokenLink, ...]:
    """Broken links of the run that the previous complete run did not find broken
    (with no earlier run, every broken link is news): crawler.report.findings decides."""
    report = [{**entry, "name": resources[rid]["name"]}
              for rid, entry in sorted(link_report(store, run_id).items()) if rid in resources]
    return tuple(BrokenLink(link.resource, link.url, link.detail, link.found_on)
                 for link in failing_links(store, run_id, report)
                 if link.new and link.result == LinkVerdict.BROKEN)


def _newly_expiring(store: Store, checks: dict[str, dict[str, Any]], previous: int | None,
                    resources: dict[str, dict[str, Any]], warning_days: int) -> tuple[ExpiringCertificate, ...]:
    """Certificates inside the warning window now that were not at the previous complete run."""
    before = store.checks_for_run(previous) if previous is not None else {}
    found = []
    for rid, check in sorted(checks.items()):
        days = _days_left(check.get("tls_expires_at"), parse_stored(check["checked_at"]))
        if rid not in resources or days is None or days > warning_days:
            continue
        earlier = before.get(rid)
        if earlier is not None:
            earlier_days = _days_left(earlier.get("tls_expires_at"), parse_stored(earlier["checked_at"]))
            if earlier_days is not None and earlier_days <= warning_days:
                continue  # already told
        found.append(ExpiringCertificate(resources[rid]["name"], resources[rid]["url"],
                                         check["tls_expires_at"], days))
    return tuple(found)


def _days_left(expires_at: str | None, now: datetime) -> int | None:
    moment = parse_iso(expires_at)
    return None if moment is None else int((moment - now).total_seconds() // 86400)


def sample(config: Config) -> Digest:
    """A digest with one item of every event, named after the first configured
    resource, so `healthcrawl notify test` shows each channel what its share of a
    real one looks like (send_digest narrows it to the channel's `on:` list)."""
    first = config.resources[0] if config.resources else None
    name, url = (first.name, first.url) if first else ("Example resource", "https://example.org/")
    now = utcnow().replace(microsecond=0)
    started, earlier = iso(now), iso(now - timedelta(hours=2))
    expires = now.replace(hour=0, minute=0, second=0) + timedelta(days=max(1, config.settings.tls_warning_days - 1))
    return Digest(
        run_id=None,
        test=True,
        announcements=(ResourceNews(name, url, (
            NewsItem("A sample announcement (this is a test of your notification setup)", url, started),)),),
        opened=(IncidentNote(name, url, started, "sample: connection refused"),),
        closed=(IncidentNote(name, url, earlier, "sample: HTTP 503 Service Unavailable", started),),
        broken=(BrokenLink(name, url.rstrip("/") + "/a-sample-missing-page", "HTTP 404", (url,)),),
        expiring=(ExpiringCertificate(name, url, iso(expires), _days_left(iso(expires), now) or 0),),
    )


def render(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML) bodies of the digest."""
    context = {"digest": digest}
    text = _TEXT.get_template("digest.txt.j2").render(context).strip() + "\n"
    return text, _HTML.get_template("digest.html.j2").render(context)


def _when(value: str | None) -> str:
    """A date as people read it, on the publisher's clock (the day the page printed); a
    date-only item (stored at midnight) shows no time.

    >>> _when("2026-12-03T09:30:00Z"), _when("2026-12-03T00:00:00Z"), _when(None)
    ('2026-12-03 09:30 UTC', '2026-12-03', 'undated')
    >>> _when("2026-12-03T23:30:00-05:00")
    '2026-12-03 23:30 UTC-05:00'
    """
    moment = publisher_clock(value)
    if moment is None or value is None:
        return "undated"
    if is_published_day(value) or (moment.hour, moment.minute) == (0, 0):
        return moment.strftime("%Y-%m-%d")
    offset = value.strip()[19:].lstrip(".0123456789")
    zone = "UTC" if offset in ("", "Z", "z", "+00:00") else f"UTC{offset}"
    return moment.strftime("%Y-%m-%d %H:%M ") + zone


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


def _environment(*, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), autoescape=html,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_href"] = safe_href
    env.filters["when"] = _when
    return env


_TEXT = _environment(html=False)
_HTML = _environment(html=True)
