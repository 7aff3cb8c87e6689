"""View models of the status page, built from the status document (status.json).

The document may come from an older or newer version, or be edited by hand: every
builder here tolerates nulls, missing keys and unknown words, so the templates can
read every field without a test. Everything the templates decide (order, counts,
filters, which links need attention) is decided here, where it is testable.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.core.config import CrawlSettings
from crawler.core.history import ROLLED_UP
from crawler.core.vocabulary import WORST_FIRST, EventKind, LinkVerdict, Status
from crawler.report.page.filters import duration_ms, fmt_percent, fmt_span, fmt_time, parse_time, tag_key
from crawler.report.page.sparkline import Sparkline, build_sparkline

DETAIL_DIR = "resources"
"""Detail pages live in this folder beside index.html; links between them are relative."""

_STATUS_RANK: dict[str, int] = {name: rank for rank, name in enumerate(WORST_FIRST)}

UNKNOWN = "unknown"
"""A history cell whose stored status the page does not know (a newer version's word)."""

HISTORY_SLOTS = 30
"""Cells in the result strip; the sparkline above it uses the same slots so they line up."""

CHECK_STATES = ROLLED_UP
"""States a single check can have in the history (maintenance: inside a planned window)."""

UPTIME_WINDOWS = (("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"))

CHANGE_LABELS = {"content": "Content changed", "title": "Title changed", "moved": "Moved"}

NEW_SHOWN = 50
"""New announcements listed at the top of the page; the feeds and export have them all."""

_SLUG_UNSAFE = re.compile(r"[^a-z0-9-]+")
_SLUG_MAX = 80


@dataclass(frozen=True)
class Hop:
    """One redirect hop as shown in the chain."""

    url: str | None
    status: int | None
    via: str | None = None  # "meta refresh" when the page moved by <meta http-equiv=refresh>


@dataclass(frozen=True)
class AnnouncementView:
    """One announcement line: title (linked when http/https), date, new marker."""

    title: str
    url: str | None
    published: str | None
    first_seen: str | None
    new: bool
    resource: str | None = None


@dataclass(frozen=True)
class LinkView:
    """A link that needs attention: broken, invalid (no browser could follow it),
    blocked by bot protection, or robots-forbidden."""

    kind: str  # "broken" | "invalid" | "blocked" | "robots"
    url: str
    detail: str | None
    found_on: list[str]
    text: str | None = None  # the link's words on its page, as a reader sees it


@dataclass(frozen=True)
class EventView:
    """Something that changed since the last run, e.g. a resource that moved."""

    kind: str
    url: str | None
    old: str | None
    new: str | None


@dataclass(frozen=True)
class UptimeView:
    """Share of counted checks that were up or degraded over one window; None = no data."""

    window: str
    label: str
    ratio: float | None
    text: str
    level: str  # "good" | "fair" | "poor" | "none"


@dataclass(frozen=True)
class ResponseView:
    """Response time statistics over the last 7 days."""

    median_ms: float | None
    p95_ms: float | None
    samples: int | None


@dataclass(frozen=True)
class CheckView:
    """One past check: a strip cell on the index, a table row on the detail page."""

    checked_at: str | None
    status: str  # one of CHECK_STATES or "unknown"
    response_ms: float | None
    error: str | None
    http_status: int | None = None
    title: str | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class IncidentView:
    """An outage: open (``ended_at`` None) or closed, with its length in words."""

    started_at: str | None
    ended_at: str | None
    first_error: str | None
    checks_failed: int | None
    duration: str | None
    ongoing: bool


@dataclass(frozen=True)
class ChangeView:
    """The latest content, title or address change seen on the resource."""

    at: str | None
    kind: str
    label: str
    summary: str | None


@dataclass(frozen=True)
class FreshnessView:
    """Is the site still announcing things? Up is not enough for a news source."""

    state: str  # "fresh" | "stale" | "unknown"
    reason: str | None
    last_new_announcement: str | None


@dataclass(frozen=True)
class FilterView:
    """One radio button of the status, links or tag filter.

    ``input_id`` and ``tag_class`` go into generated CSS selectors, so they are built only
    from fixed words and :func:`tag_key` output, never from tag text (that is ``label``).
    ``link_problems`` is the choice that keeps only resources with broken or invalid links.
    """

    input_id: str
    label: str
    count: int
    status: str | None = None
    tag_class: str | None = None
    link_problems: bool = False

    def matches(self, resource: ResourceView) -> bool:
        """Does this choice keep the resource's card? ("All" keeps every card.)"""
        return ((self.status is None or resource.status == self.status)
                and (self.tag_class is None or self.tag_class in resource.tag_keys)
                and (not self.link_problems or resource.has_link_problems))


@dataclass(frozen=True)
class ResourceView:
    """A resource with every field the template reads present (None when unknown)."""

    name: str
    anchor: str
    url: str | None
    organization: str | None
    language: str | None
    tags: list[str]
    status: str
    http_status: int | None
    final_url: str | None
    redirected: bool
    error: str | None
    response_ms: float | None
    title: str | None
    description: str | None
    checked_at: str | None
    redirects: list[Hop]
    tls_expires_at: str | None
    tls_days_left: int | None
    tls_warn: bool
    retries: int
    content_type: str | None
    body_bytes: int | None
    reasons: list[str]
    render_ms: float | None = None  # set when the page was read in headless Chromium
    announcements: list[AnnouncementView] = field(default_factory=list)
    announcements_warning: str | None = None
    announcements_reason: str | None = None  # why the page gave none, in one line
    links: dict[str, int] = field(default_factory=dict)
    problem_links: list[LinkView] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)
    slug: str = ""
    tag_keys: list[str] = field(default_factory=list)
    uptime: list[UptimeView] = field(default_factory=list)
    response: ResponseView | None = None
    history: list[CheckView] = field(default_factory=list)
    history_counts: dict[str, int] = field(default_factory=dict)
    sparkline: Sparkline | None = None
    incident: IncidentView | None = None
    incidents: list[IncidentView] = field(default_factory=list)
    last_change: ChangeView | None = None
    freshness: FreshnessView | None = None
    maintenance: bool = False
    checks: list[CheckView] = field(default_factory=list)
    checks_sparkline: Sparkline | None = None

    @property
    def detail_href(self) -> str:
        """Relative link from index.html to this resource's page."""
        return f"{DETAIL_DIR}/{self.slug}.html"

    @property
    def history_pad(self) -> int:
        """Empty slots before the oldest cell, so the newest check is always at the right."""
        return max(HISTORY_SLOTS - len(self.history), 0)

    @property
    def broken_count(self) -> int:
        return sum(link.kind == LinkVerdict.BROKEN for link in self.problem_links)

    @property
    def invalid_count(self) -> int:
        return sum(link.kind == LinkVerdict.INVALID for link in self.problem_links)

    @property
    def has_link_problems(self) -> bool:
        """Broken or invalid links: what the exit code counts, so the card is not all green."""
        return bool(self.broken_count or self.invalid_count)

    @property
    def link_problems_text(self) -> str:
        """The card's badge: ``5 broken links, 1 invalid``."""
        return link_problems_text(self.broken_count, self.invalid_count)


@dataclass(frozen=True)
class RunView:
    """The crawl run the page describes."""

    id: Any
    started_at: str | None
    finished_at: str | None
    duration_ms: float | None
    complete: bool
    usual_interval: str | None = None  # how often runs usually come, in words
    overdue_at: str | None = None  # past this, the page says the report is out of date
    reason: str | None = None  # why an incomplete run stopped, or what it could not store


@dataclass(frozen=True)
class FilterGroups:
    """The filter's radio groups, and the choices that together match no card."""

    status: list[FilterView]
    links: list[FilterView]
    tags: list[FilterView]
    empty: list[tuple[str, ...]]


@dataclass(frozen=True)
class PageView:
    """Everything the template needs, derived once in Python where it is testable."""

    generated_at: str | None
    reference: str | None
    run: RunView | None
    counts: dict[str, int]
    total: int
    overall: str
    overall_text: str
    resources: list[ResourceView] = field(default_factory=list)
    new_announcements: list[AnnouncementView] = field(default_factory=list)
    new_total: int = 0  # all new announcements; the page lists the first NEW_SHOWN
    new_for_days: float = CrawlSettings.new_for
    status_filters: list[FilterView] = field(default_factory=list)
    link_filters: list[FilterView] = field(default_factory=list)
    tag_filters: list[FilterView] = field(default_factory=list)
    empty_filters: list[tuple[str, ...]] = field(default_factory=list)
    """Input ids of filter choices that together match no card: CSS then shows a note."""
    links_text: str | None = None  # "8 broken links on 3 resources", None when there are none
    overdue: bool = False  # already out of date when it was written (a late `healthcrawl report`)
    cause: str | None = None  # what every failure shares (status.json's `cause`), under the headline

    @property
    def headline(self) -> str:
        """The banner's sentence: resources, then what the exit code also counts, links."""
        return f"{self.overall_text} · {self.links_text}" if self.links_text else self.overall_text

    @property
    def new_window(self) -> str:
        """``7 days``, ``36 hours``: how long an announcement stays new, for headings."""
        hours = self.new_for_days * 24
        if hours < 48 and hours != round(hours / 24) * 24:
            return f"{hours:g} hours" if hours != 1 else "hour"
        days = round(self.new_for_days, 1)
        return "day" if days == 1 else f"{days:g} days"

    @property
    def open_incidents(self) -> list[ResourceView]:
        """Resources with an incident in progress, worst status first (the page order)."""
        return [r for r in self.resources if r.incident is not None]


STATUS_LABELS = {Status.UP: "Up", Status.DEGRADED: "Degraded", Status.DOWN: "Down", Status.UNCHECKED: "Unchecked"}
STATUS_SYMBOLS = {Status.UP: "✓", Status.DEGRADED: "!", Status.DOWN: "✕", Status.UNCHECKED: "?"}
CHECK_LABELS = {Status.UP: "Up", Status.DEGRADED: "Degraded", Status.DOWN: "Down",
                Status.MAINTENANCE: "Maintenance", UNKNOWN: "Unknown"}
CHECK_SYMBOLS = {Status.UP: "✓", Status.DEGRADED: "!", Status.DOWN: "✕", Status.MAINTENANCE: "◷", UNKNOWN: "?"}


def _text(value: Any) -> str | None:
    """Non-empty string or None; numbers and such become text rather than errors."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and not math.isnan(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if math.isnan(value) else value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    return [text for text in (_text(item) for item in value) if text]


def _same_url(a: str | None, b: str | None) -> bool:
    """Equal apart from a trailing slash, which every server adds or drops at will."""
    if a is None or b is None:
        return a == b
    return a.rstrip("/") == b.rstrip("/")


def _announcements(value: Any) -> list[AnnouncementView]:
    items = []
    for raw in value if isinstance(value, (list, tuple)) else []:
        if not isinstance(raw, Mapping) or not _text(raw.get("title")):
            continue
        items.append(AnnouncementView(
            title=_text(raw.get("title")) or "",
            url=_text(raw.get("url")),
            published=_text(raw.get("published")),
            first_seen=_text(raw.get("first_seen")),
            new=raw.get("new") is True,
            resource=_text(raw.get("resource")),
        ))
    return items


LINK_COUNTS = ("checked", "broken", "invalid", "blocked", "skipped", "robots")


def _link_counts(value: Any) -> dict[str, int]:
    """Every count the templates read, 0 when missing, so a partial dict cannot break the page."""
    if not isinstance(value, Mapping):
        return {}
    return {key: max(_int(value.get(key)) or 0, 0) for key in LINK_COUNTS}


def _problem_links(raw: Mapping[str, Any]) -> list[LinkView]:
    views = []
    for kind, key in (("broken", "broken_links"), ("invalid", "invalid_links"), ("blocked", "blocked_links"),
                      ("robots", "robots_links")):
        for link in raw.get(key) or []:
            if not isinstance(link, Mapping) or not _text(link.get("url")):
                continue
            if kind == "broken":
                status = _int(link.get("status"))
                detail = _text(link.get("error")) or (f"HTTP {status}" if status else None)
            elif kind == "invalid":
                detail = _text(link.get("error")) or "not a valid URL"
            elif kind == "blocked":
                detail = _text(link.get("evidence"))
            else:
                detail = "not checked: robots.txt forbids it"
            views.append(LinkView(kind, _text(link.get("url")) or "", detail, _texts(link.get("found_on")),
                                  _text(link.get("text"))))
    return views


def _events(value: Any) -> list[EventView]:
    """The run's changes as "old → new" lines; a content change has no old and new (its
    diff is the card's "Content changed" line), so it is not listed again as "– → –"."""
    return [
        EventView(_text(e.get("kind")) or "event", _text(e.get("url")), _text(e.get("old")), _text(e.get("new")))
        for e in (value if isinstance(value, (list, tuple)) else [])
        if isinstance(e, Mapping) and e.get("kind") != EventKind.CONTENT
    ]



def _response_values(checks: Sequence[CheckView]) -> list[float | None]:
    """Only up/degraded checks have a meaningful response time (a timeout is not one)."""
    return [c.response_ms if c.status in ("up", "degraded") else None for c in checks]


def _check(raw: Any, detail: bool = False) -> CheckView | None:
    if not isinstance(raw, Mapping):
        return None
    status = raw.get("status")
    status = status if status in CHECK_STATES else UNKNOWN
    checked_at = _text(raw.get("checked_at"))
    response = _number(raw.get("response_ms"))
    if response is not None and response < 0:
        response = None
    error = _text(raw.get("error"))
    parts = [fmt_time(checked_at) if checked_at else "time unknown", CHECK_LABELS[status]]
    if response is not None and status in ("up", "degraded"):
        parts.append(duration_ms(response))
    if error:
        parts.append(error)
    return CheckView(
        checked_at=checked_at,
        status=status,
        response_ms=response,
        error=error,
        http_status=_int(raw.get("http_status")) if detail else None,
        title=_text(raw.get("title")) if detail else None,
        tooltip=" · ".join(parts),
    )


def _checks(value: Any, detail: bool = False) -> list[CheckView]:
    """Checks oldest first, whatever order the document used; undated ones stay last."""
    dated: list[tuple[datetime, CheckView]] = []
    undated: list[CheckView] = []
    for raw in _list(value):
        check = _check(raw, detail)
        if check is None:
            continue
        moment = parse_time(check.checked_at)
        if moment is None:
            undated.append(check)
        else:
            dated.append((moment, check))
    dated.sort(key=lambda pair: pair[0])  # stable: equal times keep the document's order
    return [check for _, check in dated] + undated


def _uptime(value: Any) -> list[UptimeView]:
    """All four windows when the document has uptime at all; out-of-range ratios are no data."""
    if not isinstance(value, Mapping):
        return []
    views = []
    for window, label in UPTIME_WINDOWS:
        ratio = _number(value.get(window))
        if ratio is not None and not 0 <= ratio <= 1:
            ratio = None
        if ratio is None:
            level = "none"
        elif ratio >= 0.99:
            level = "good"
        elif ratio >= 0.95:
            level = "fair"
        else:
            level = "poor"
        views.append(UptimeView(window, label, ratio, fmt_percent(ratio), level))
    return views


def _response(value: Any) -> ResponseView | None:
    if not isinstance(value, Mapping):
        return None
    view = ResponseView(
        _number(value.get("median_ms")), _number(value.get("p95_ms")), _int(value.get("samples"))
    )
    return None if view.median_ms is None and view.p95_ms is None else view


def _incident(value: Any, reference: str | None) -> IncidentView | None:
    """Length of an incident; an open one lasts until the report was generated."""
    if not isinstance(value, Mapping):
        return None
    started, ended = _text(value.get("started_at")), _text(value.get("ended_at"))
    if started is None and ended is None and _text(value.get("first_error")) is None:
        return None
    start_t = parse_time(started)
    end_t = parse_time(ended) if ended else parse_time(reference)
    duration = None
    if start_t is not None and end_t is not None and end_t >= start_t:
        duration = fmt_span((end_t - start_t).total_seconds())
    return IncidentView(
        started_at=started,
        ended_at=ended,
        first_error=_text(value.get("first_error")),
        checks_failed=_int(value.get("checks_failed")),
        duration=duration,
        ongoing=ended is None,
    )


def _change(value: Any) -> ChangeView | None:
    if not isinstance(value, Mapping):
        return None
    kind = _text(value.get("kind")) or "change"
    summary = _text(value.get("summary"))
    at = _text(value.get("at"))
    if summary is None and at is None:
        return None
    return ChangeView(at=at, kind=kind, label=CHANGE_LABELS.get(kind, "Changed"), summary=summary)


def _freshness(value: Any) -> FreshnessView | None:
    if not isinstance(value, Mapping):
        return None
    state = value.get("state")
    return FreshnessView(
        state=state if state in ("fresh", "stale", "unknown") else "unknown",
        reason=_text(value.get("reason")),
        last_new_announcement=_text(value.get("last_new_announcement")),
    )


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _slug(raw: Mapping[str, Any], name: str, index: int, taken: set[str]) -> str:
    """File-name-safe, unique slug: the document's, else the name's, else the position."""
    base = ""
    for candidate in (_text(raw.get("slug")), name):
        base = _SLUG_UNSAFE.sub("-", (candidate or "").lower()).strip("-")[:_SLUG_MAX].strip("-")
        if base:
            break
    base = base or f"resource-{index + 1}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _resource(
    raw: Mapping[str, Any], index: int, reference: str | None, slug: str = "",
    tls_warning_days: int = CrawlSettings.tls_warning_days,
) -> ResourceView:
    status = raw.get("status")
    status = status if status in _STATUS_RANK else Status.UNCHECKED
    url = _text(raw.get("url"))
    final_url = _text(raw.get("final_url"))
    name = _text(raw.get("name")) or url or f"Resource {index + 1}"
    slug = slug or _slug(raw, name, index, set())
    tags = list(dict.fromkeys(_texts(raw.get("tags"))))
    history = _checks(raw.get("history"))[-HISTORY_SLOTS:]
    checks = _checks(raw.get("checks"), detail=True)
    counts = dict.fromkeys((*CHECK_STATES, UNKNOWN), 0)
    for check in history:
        counts[check.status] += 1

    hops = []
    for hop in raw.get("redirects") or []:
        if isinstance(hop, Mapping):
            hops.append(Hop(url=_text(hop.get("url")), status=_int(hop.get("status")), via=_text(hop.get("via"))))

    tls = _text(raw.get("tls_expires_at"))
    tls_time, ref_time = parse_time(tls), parse_time(reference)
    days_left = None
    if tls_time is not None and ref_time is not None:
        days_left = math.floor((tls_time - ref_time).total_seconds() / 86400)

    error = _text(raw.get("error"))
    language = _text(raw.get("language"))
    if language and not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", language):
        language = None

    return ResourceView(
        name=name,
        anchor=f"r-{slug}",
        url=url,
        organization=_text(raw.get("organization")),
        language=language,
        tags=tags,
        status=status,
        http_status=_int(raw.get("http_status")),
        final_url=final_url,
        redirected=final_url is not None and not _same_url(url, final_url),
        error=error,
        response_ms=_number(raw.get("response_ms")),
        title=_text(raw.get("title")),
        description=_text(raw.get("description")),
        checked_at=_text(raw.get("checked_at")),
        redirects=hops,
        tls_expires_at=tls,
        tls_days_left=days_left,
        tls_warn=days_left is not None and days_left < tls_warning_days,
        retries=_int(raw.get("retries")) or 0,
        content_type=_text(raw.get("content_type")),
        body_bytes=_int(raw.get("body_bytes")),
        # a down check's reason is usually its error, already shown once
        reasons=[reason for reason in _texts(raw.get("reasons")) if reason != error],
        render_ms=(_number(raw.get("render_ms")) or 0.0) if raw.get("rendered") is True else None,
        announcements=_announcements(raw.get("announcements")),
        announcements_warning=_text(raw.get("announcements_warning")),
        announcements_reason=_text(raw.get("announcements_reason")),
        links=_link_counts(raw.get("links")),
        problem_links=_problem_links(raw),
        events=_events(raw.get("events")),
        slug=slug,
        tag_keys=list(dict.fromkeys(tag_key(t) for t in tags)),
        uptime=_uptime(raw.get("uptime")),
        response=_response(raw.get("response")),
        history=history,
        history_counts=counts,
        sparkline=build_sparkline(_response_values(history), slots=HISTORY_SLOTS),
        incident=_incident(raw.get("incident"), reference),
        incidents=[
            i for i in (_incident(x, reference) for x in _list(raw.get("incidents"))[:50]) if i
        ],
        last_change=_change(raw.get("last_change")),
        freshness=_freshness(raw.get("freshness")),
        maintenance=raw.get("maintenance") is True,
        checks=checks[::-1],
        checks_sparkline=build_sparkline(
            _response_values(checks), width=800, height=120, pad=6,
            what=f"last {len(checks)} checks",
        ),
    )


def _sort_key(resource: ResourceView) -> tuple[int, bool, str]:
    """Worst status first; within a status, resources with broken links before clean ones."""
    return (_STATUS_RANK[resource.status], not resource.has_link_problems, resource.name.casefold())


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def link_problems_text(broken: int, invalid: int) -> str:
    """``8 broken links, 1 invalid``: the links the exit code counts, in words.

    >>> link_problems_text(1, 0), link_problems_text(8, 1), link_problems_text(0, 2)
    ('1 broken link', '8 broken links, 1 invalid', '2 invalid links')
    """
    if not broken:
        return _plural(invalid, "invalid link")
    text = _plural(broken, "broken link")
    return f"{text}, {invalid} invalid" if invalid else text


def _overall(counts: Mapping[str, int], total: int, has_run: bool, link_problems: bool) -> tuple[str, str]:
    """One state and one sentence for the banner, worst news first. Broken links alone
    are not "operational": they fail the run too, so the banner is not green."""
    if not has_run:
        return Status.UNCHECKED, "No run yet"
    if total == 0:
        return Status.UNCHECKED, "No resources configured"
    noun = "resource" if total == 1 else "resources"
    if counts[Status.DOWN]:
        return Status.DOWN, f"{counts[Status.DOWN]} of {total} {noun} down"
    if counts[Status.DEGRADED]:
        return Status.DEGRADED, f"{counts[Status.DEGRADED]} of {total} {noun} degraded"
    if counts[Status.UP] == total:
        if link_problems:
            return Status.DEGRADED, "The resource is up" if total == 1 else f"All {total} resources up"
        return Status.UP, "All resources operational"
    return Status.UNCHECKED, "Some resources not checked yet"


def _links_summary(summary: Mapping[str, Any], resources: Sequence[ResourceView]) -> str | None:
    """``8 broken links on 3 resources`` from the document's summary (counted from the
    database), falling back to counting the cards; None when no link is broken or invalid."""
    broken = _int(summary.get("broken_links"))
    invalid = _int(summary.get("invalid_links"))
    where = _int(summary.get("resources_with_link_problems"))
    broken = sum(r.broken_count for r in resources) if broken is None else max(broken, 0)
    invalid = sum(r.invalid_count for r in resources) if invalid is None else max(invalid, 0)
    if where is None:
        where = sum(r.has_link_problems for r in resources)
    if not (broken or invalid):
        return None
    text = link_problems_text(broken, invalid)
    return f"{text} on {_plural(where, 'resource')}" if where else text


def build_view(status: Mapping[str, Any]) -> PageView:
    """Normalise the status document; tolerant of nulls, missing and unknown keys."""
    generated_at = _text(status.get("generated_at"))
    raw_run = status.get("run")
    run = None
    if isinstance(raw_run, Mapping):
        started, finished = _text(raw_run.get("started_at")), _text(raw_run.get("finished_at"))
        start_t, finish_t = parse_time(started), parse_time(finished)
        took = None
        if start_t is not None and finish_t is not None and finish_t >= start_t:
            took = (finish_t - start_t).total_seconds() * 1000
        interval = _number(raw_run.get("usual_interval_seconds"))
        run = RunView(
            id=raw_run.get("id"),
            started_at=started,
            finished_at=finished,
            duration_ms=took,
            complete=raw_run.get("complete") is True,
            usual_interval=fmt_span(interval) if interval is not None and interval > 0 else None,
            overdue_at=_text(raw_run.get("overdue_at")) if parse_time(raw_run.get("overdue_at")) else None,
            reason=_text(raw_run.get("finish_reason")),
        )
    reference = generated_at or (run.finished_at if run else None)
    thresholds = status.get("thresholds")
    tls_warning_days = CrawlSettings.tls_warning_days
    if isinstance(thresholds, Mapping) and _int(thresholds.get("tls_warning_days")) is not None:
        tls_warning_days = _int(thresholds.get("tls_warning_days")) or 0

    # Slugs are assigned in document order, so the same document always gives the same files.
    taken: set[str] = set()
    resources = []
    for index, raw in enumerate(_list(status.get("resources"))):
        if isinstance(raw, Mapping):
            name = _text(raw.get("name")) or _text(raw.get("url")) or f"Resource {index + 1}"
            resources.append(_resource(raw, index, reference, _slug(raw, name, index, taken), tls_warning_days))
    resources.sort(key=_sort_key)
    filters = _filters(resources)

    # Trust the document's summary (it is computed from the database), fall back to counting.
    raw_summary = status.get("summary")
    summary: Mapping[str, Any] = raw_summary if isinstance(raw_summary, Mapping) else {}
    counts: dict[str, int] = {}
    for name in WORST_FIRST:
        given = _int(summary.get(name))
        counts[name] = given if given is not None else sum(r.status == name for r in resources)
    total = _int(summary.get("total"))
    if total is None:
        total = len(resources) if resources else sum(counts.values())

    links_text = _links_summary(summary, resources)
    overall, overall_text = _overall(counts, total, run is not None, links_text is not None)
    new = _announcements(status.get("new_announcements"))
    new_for = _number(thresholds.get("new_for_days")) if isinstance(thresholds, Mapping) else None
    overdue_at = parse_time(run.overdue_at) if run else None
    generated_t = parse_time(generated_at)
    return PageView(
        generated_at=generated_at,
        reference=reference,
        run=run,
        counts=counts,
        total=total,
        overall=overall,
        overall_text=overall_text,
        resources=resources,
        new_announcements=new[:NEW_SHOWN],
        new_total=len(new),
        new_for_days=new_for if new_for is not None and new_for >= 0 else CrawlSettings.new_for,
        status_filters=filters.status,
        link_filters=filters.links,
        tag_filters=filters.tags,
        empty_filters=filters.empty,
        links_text=links_text,
        overdue=overdue_at is not None and generated_t is not None and generated_t > overdue_at,
        cause=_text(status.get("cause")),
    )


def _filters(resources: Sequence[ResourceView]) -> FilterGroups:
    """Radio buttons for the CSS-only filter, and the combinations that match nothing.

    Input ids are ``f-status-<status>`` and ``f-links-<choice>`` (fixed words) and
    ``f-<tag key>`` (CSS-safe by construction), so the generated ``:has(#id:checked)``
    rules never contain data. ``f-tags-any`` cannot clash with a tag's id: those all
    start ``f-tag-`` or ``f-tagx-``. The links group is there only when some resource
    has broken or invalid links.
    """
    by_status = {name: sum(r.status == name for r in resources) for name in WORST_FIRST}
    status_filters = [FilterView(input_id="f-status-any", label="All", count=len(resources))]
    status_filters += [
        FilterView(input_id=f"f-status-{name}", label=STATUS_LABELS[name], count=by_status[name],
                   status=name)
        for name in WORST_FIRST
        if name != Status.UNCHECKED or by_status[name]
    ]
    troubled = sum(r.has_link_problems for r in resources)
    link_filters: list[FilterView] = []
    if troubled:
        link_filters = [FilterView(input_id="f-links-any", label="All", count=len(resources)),
                        FilterView(input_id="f-links-problems", label="Broken links", count=troubled,
                                   link_problems=True)]
    names: dict[str, str] = {}
    for resource in resources:
        for tag, key in zip(resource.tags, resource.tag_keys, strict=True):
            names.setdefault(key, tag)
    tag_filters: list[FilterView] = []
    if names:
        tag_filters.append(FilterView(input_id="f-tags-any", label="All", count=len(resources)))
        ordered = sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
        tag_filters += [
            FilterView(input_id=f"f-{key}", label=tag,
                       count=sum(key in r.tag_keys for r in resources), tag_class=key)
            for key, tag in ordered
        ]

    empty: list[tuple[str, ...]] = []
    if resources:
        groups = [group for group in (status_filters, link_filters, tag_filters) if group]
        for choice in itertools.product(*groups):
            if not any(all(f.matches(r) for f in choice) for r in resources):
                empty.append(tuple(f.input_id for f in choice))
    return FilterGroups(status_filters, link_filters, tag_filters, empty)
