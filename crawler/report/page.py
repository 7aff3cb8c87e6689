"""Render the status document (the same dict written as status.json) into index.html
and one detail page per resource (resources/<slug>.html).

Every page is one static file with no scripts and no external assets, so it can be
served from anywhere (GitHub Pages, a bucket, a file share) and opened offline.
Everything scraped from the web is untrusted: the environment autoescapes all
output and only http(s) URLs ever become links. Charts are inline SVG whose
coordinates are computed here, so the templates only ever print numbers into them.
Filtering works without JavaScript: radio inputs plus CSS rules generated from
CSS-safe keys (never from raw tag text).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from crawler.core.config import CrawlSettings
from crawler.core.history import ROLLED_UP
from crawler.core.timeutil import parse_iso
from crawler.core.vocabulary import WORST_FIRST, EventKind, LinkVerdict, Status
from crawler.extract.urls import InvalidURL, resolve_url

TEMPLATE_DIR = Path(__file__).parent / "templates"
INDEX_TEMPLATE = "index.html.j2"
DETAIL_TEMPLATE = "resource.html.j2"
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

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9-]+")
_TAG_SAFE = re.compile(r"[a-z0-9-]{1,64}")
_SLUG_MAX = 80


# --------------------------------------------------------------------------- filters


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` allowed) into an aware UTC datetime.

    Returns None for anything unparseable, so one odd value never breaks the page.
    """
    if not isinstance(value, (str, datetime)):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def fmt_time(value: Any, with_seconds: bool = False) -> str:
    """Show a timestamp in UTC; readers are in many time zones and there is no JS to localise."""
    parsed = parse_time(value)
    if parsed is None:
        return "—" if value in (None, "") else str(value)
    pattern = "%Y-%m-%d %H:%M:%S UTC" if with_seconds else "%Y-%m-%d %H:%M UTC"
    return parsed.strftime(pattern)


def fmt_date(value: Any) -> str:
    """Date only, for things measured in days such as certificate expiry."""
    parsed = parse_time(value)
    if parsed is None:
        return "—" if value in (None, "") else str(value)
    return parsed.strftime("%Y-%m-%d")


def duration_ms(value: Any) -> str:
    """Human duration from milliseconds: ``412 ms``, ``3.2 s``, ``18 s``, ``2 min 5 s``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return "—"
    ms = max(float(value), 0.0)
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def reltime(value: Any, reference: Any) -> str:
    """``in 38 days`` / ``3 h ago`` relative to the report time, not the reader's clock.

    The page is static, so "now" is when it was generated; anything else would be a lie
    the moment the file is cached.
    """
    when, ref = parse_time(value), parse_time(reference)
    if when is None or ref is None:
        return ""
    seconds = (when - ref).total_seconds()
    span = abs(seconds)
    if span < 60:
        amount = f"{span:.0f} s"
    elif span < 3600:
        amount = f"{span // 60:.0f} min"
    elif span < 48 * 3600:
        amount = f"{span // 3600:.0f} h"
    else:
        days = int(span // 86400)
        amount = f"{days} day" if days == 1 else f"{days} days"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


def safe_href(value: Any) -> str | None:
    """Return the URL only if it is a plain http(s) URL a browser can open, else None.

    Scraped URLs can be ``javascript:``, ``data:`` or obfuscated with control
    characters that browsers strip; anything not unambiguously http(s), or that the
    URL Standard rejects, stays text.

    >>> safe_href("https://ex.org/a"), safe_href("http://localhost]"), safe_href("java\tscript:x")
    ('https://ex.org/a', None, None)
    """
    if not isinstance(value, str) or not value:
        return None
    # Browsers silently drop tabs/newlines and trim spaces, which is how
    # "java\tscript:" sneaks past naive checks; refuse anything of the kind.
    if _CONTROL.search(value) or value != value.strip():
        return None
    lowered = value.lower()
    for prefix in ("http://", "https://"):
        if lowered.startswith(prefix):
            rest = value[len(prefix) :]
            host = re.split(r"[/?#]", rest, maxsplit=1)[0]
            if host and not host.startswith(("@", ":")):
                try:
                    resolve_url(value)
                except InvalidURL:
                    return None
                return value
    return None


def filesize(value: Any) -> str:
    """Body size in binary units; None stays a dash."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return "—"
    size = float(value)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"  # pragma: no cover - loop always returns


def fmt_span(seconds: Any) -> str:
    """Incident length in words people use: ``12 min``, ``3 h 12 min``, ``4 days 2 h``."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        return "—"
    if seconds < 60:
        return "under 1 min"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


def fmt_percent(ratio: Any) -> str:
    """Uptime ratio as a percentage, rounded *down* so 99.996 % never reads as 100 %."""
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or math.isnan(ratio):
        return "—"
    if ratio >= 1:
        return "100%"
    # round() first: 0.57 * 10000 is 5699.999…, which floor alone would turn into 56.99 %.
    hundredths = math.floor(round(max(ratio, 0.0) * 10000, 6))
    text = f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def tag_key(tag: str) -> str:
    """A CSS class (and id part) for a tag, safe to put into a selector.

    Only tags made of ``[a-z0-9-]`` are used verbatim; anything else (quotes, braces,
    spaces, capitals, other scripts) becomes a hash, so no tag text ever reaches CSS.
    The prefixes differ (``tag-`` / ``tagx-``) so the two kinds cannot collide.
    """
    if _TAG_SAFE.fullmatch(tag):
        return f"tag-{tag}"
    return "tagx-" + hashlib.sha256(tag.encode("utf-8")).hexdigest()[:12]


FILTERS = {
    "span": fmt_span,
    "percent": fmt_percent,
    "duration_ms": duration_ms,
    "reltime": reltime,
    "safe_href": safe_href,
    "fmt_time": fmt_time,
    "fmt_date": fmt_date,
    "bytes": filesize,
}


def make_environment() -> jinja2.Environment:
    """Jinja environment for the report: autoescaped (also for ``.j2``), strict, filters registered.

    StrictUndefined turns a template typo into an error in tests instead of an empty cell
    on the live page; the view models below guarantee every name the template reads exists.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    # the vocabulary, so templates compare against the same words as the code
    env.globals.update(Status=Status, LinkVerdict=LinkVerdict, UNKNOWN=UNKNOWN)
    return env


# --------------------------------------------------------------------------- view models


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
class Sparkline:
    """Inline SVG chart, coordinates already computed (numbers only, formatted as text).

    ``lines`` and ``areas`` are ``points`` attribute values, one per run of consecutive
    measured checks (a down check has no response time and breaks the line); ``dots``
    are measured checks with no measured neighbour, drawn as round caps.
    """

    width: int
    height: int
    lines: list[str]
    areas: list[str]
    dots: list[str]
    last: str | None
    low_ms: float
    high_ms: float
    samples: int
    label: str


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
    """One radio button of the status or tag filter.

    ``input_id`` and ``tag_class`` go into generated CSS selectors, so they are built only
    from fixed words and :func:`tag_key` output, never from tag text (that is ``label``).
    """

    input_id: str
    label: str
    count: int
    status: str | None = None
    tag_class: str | None = None


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


@dataclass(frozen=True)
class RunView:
    """The crawl run the page describes."""

    id: Any
    started_at: str | None
    finished_at: str | None
    duration_ms: float | None
    complete: bool


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
    status_filters: list[FilterView] = field(default_factory=list)
    tag_filters: list[FilterView] = field(default_factory=list)
    empty_filters: list[tuple[str, ...]] = field(default_factory=list)
    """Input ids of filter choices that together match no card: CSS then shows a note."""

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
            views.append(LinkView(kind, _text(link.get("url")) or "", detail, _texts(link.get("found_on"))))
    return views


def _events(value: Any) -> list[EventView]:
    """The run's changes as "old → new" lines; a content change has no old and new (its
    diff is the card's "Content changed" line), so it is not listed again as "– → –"."""
    return [
        EventView(_text(e.get("kind")) or "event", _text(e.get("url")), _text(e.get("old")), _text(e.get("new")))
        for e in (value if isinstance(value, (list, tuple)) else [])
        if isinstance(e, Mapping) and e.get("kind") != EventKind.CONTENT
    ]


def _num(value: float) -> str:
    """SVG coordinate: at most one decimal, no trailing zeros; digits only, never data."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def build_sparkline(
    values: Sequence[float | None],
    *,
    slots: int | None = None,
    width: int = 300,
    height: int = 40,
    pad: float = 4.0,
    what: str | None = None,
) -> Sparkline | None:
    """Response-time chart points, or None when nothing was measured.

    Value ``i`` sits at the centre of slot ``slots - len(values) + i``, so with
    ``slots=HISTORY_SLOTS`` each point is right above its cell in the result strip.
    The scale starts at 0 ms: jitter of 10 ms on a 400 ms page stays a flat line
    instead of looking like an outage. ``None`` (a failed check) breaks the line.
    """
    count = len(values)
    present = [v for v in values if v is not None]
    if not present:
        return None
    slots = max(slots or count, count)
    offset = slots - count
    step = width / slots
    low, high = min(present), max(present)
    scale = (height - 2 * pad) / high if high > 0 else 0.0
    zero = height - pad

    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(((offset + index + 0.5) * step, zero - value * scale))
    if current:
        runs.append(current)

    lines, areas, dots = [], [], []
    for run in runs:
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
        if len(run) == 1:
            dots.append(f"{points} {points}")  # zero-length line + round cap = a dot
            continue
        lines.append(points)
        areas.append(f"{_num(run[0][0])},{_num(zero)} {points} {_num(run[-1][0])},{_num(zero)}")
    last = None
    if values[-1] is not None:
        x, y = runs[-1][-1]
        last = f"{_num(x)},{_num(y)} {_num(x)},{_num(y)}"
    what = what or (f"last {count} checks" if count != 1 else "last check")
    label = f"Response time, {what}: min {duration_ms(low)}, max {duration_ms(high)}"
    return Sparkline(width, height, lines, areas, dots, last, low, high, len(present), label)


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
        error=_text(raw.get("error")),
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
        reasons=_texts(raw.get("reasons")),
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


def _sort_key(resource: ResourceView) -> tuple[int, str]:
    return (_STATUS_RANK[resource.status], resource.name.casefold())


def _overall(counts: Mapping[str, int], total: int, has_run: bool) -> tuple[str, str]:
    """One state and one sentence for the banner, worst news first."""
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
        return Status.UP, "All resources operational"
    return Status.UNCHECKED, "Some resources not checked yet"


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
        run = RunView(
            id=raw_run.get("id"),
            started_at=started,
            finished_at=finished,
            duration_ms=took,
            complete=raw_run.get("complete") is True,
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
    status_filters, tag_filters, empty = _filters(resources)

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

    overall, overall_text = _overall(counts, total, run is not None)
    return PageView(
        generated_at=generated_at,
        reference=reference,
        run=run,
        counts=counts,
        total=total,
        overall=overall,
        overall_text=overall_text,
        resources=resources,
        new_announcements=_announcements(status.get("new_announcements")),
        status_filters=status_filters,
        tag_filters=tag_filters,
        empty_filters=empty,
    )


def _filters(
    resources: Sequence[ResourceView],
) -> tuple[list[FilterView], list[FilterView], list[tuple[str, ...]]]:
    """Radio buttons for the CSS-only filter, and the combinations that match nothing.

    Input ids are ``f-status-<status>`` (a fixed word) and ``f-<tag key>`` (CSS-safe by
    construction), so the generated ``:has(#id:checked)`` rules never contain data.
    ``f-tags-any`` cannot clash with a tag's id: those all start ``f-tag-`` or ``f-tagx-``.
    """
    by_status = {name: sum(r.status == name for r in resources) for name in WORST_FIRST}
    status_filters = [FilterView(input_id="f-status-any", label="All", count=len(resources))]
    status_filters += [
        FilterView(input_id=f"f-status-{name}", label=STATUS_LABELS[name], count=by_status[name],
                   status=name)
        for name in WORST_FIRST
        if name != Status.UNCHECKED or by_status[name]
    ]
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

    def matches(status: FilterView, tag: FilterView | None) -> int:
        return sum(
            (status.status is None or r.status == status.status)
            and (tag is None or tag.tag_class is None or tag.tag_class in r.tag_keys)
            for r in resources
        )

    empty: list[tuple[str, ...]] = []
    for status_filter in status_filters:
        tag_choices: list[FilterView | None] = [*tag_filters] if tag_filters else [None]
        for tag_filter in tag_choices:
            if resources and not matches(status_filter, tag_filter):
                empty.append((status_filter.input_id,) if tag_filter is None
                             else (status_filter.input_id, tag_filter.input_id))
    return status_filters, tag_filters, empty


_ENV: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """One environment per process so templates are compiled once."""
    global _ENV
    if _ENV is None:
        _ENV = make_environment()
    return _ENV


def _context(view: PageView) -> dict[str, Any]:
    return {
        "page": view,
        "labels": STATUS_LABELS,
        "symbols": STATUS_SYMBOLS,
        "statuses": WORST_FIRST,
        "check_labels": CHECK_LABELS,
        "check_symbols": CHECK_SYMBOLS,
        "history_slots": HISTORY_SLOTS,
    }


def render_index(status: Mapping[str, Any]) -> str:
    """Render the whole status page as one HTML string."""
    view = build_view(status)
    return _environment().get_template(INDEX_TEMPLATE).render(_context(view))


def render_detail_pages(status: Mapping[str, Any]) -> dict[str, str]:
    """One HTML page per resource, keyed by its slug (the file is ``resources/<slug>.html``).

    The view is built once, so slugs agree with the links on index.html.
    """
    view = build_view(status)
    template = _environment().get_template(DETAIL_TEMPLATE)
    return {r.slug: template.render(_context(view), r=r) for r in view.resources}
