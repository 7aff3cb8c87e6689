"""Render the status document (the same dict written as status.json) into index.html.

The page is one static file with no scripts and no external assets, so it can be
served from anywhere (GitHub Pages, a bucket, a file share) and opened offline.
Everything scraped from the web is untrusted: the environment autoescapes all
output and only http(s) URLs ever become links.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import jinja2

TEMPLATE_DIR = Path(__file__).parent / "templates"
INDEX_TEMPLATE = "index.html.j2"

STATUSES = ("down", "degraded", "up", "unchecked")
"""Known statuses, in the order the page lists them (worst first)."""

_STATUS_RANK = {name: rank for rank, name in enumerate(STATUSES)}

TLS_WARN_DAYS = 14
"""Certificates expiring sooner than this are highlighted."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9-]+")


# --------------------------------------------------------------------------- filters


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO-8601 timestamp (``Z`` allowed) into an aware UTC datetime.

    Returns None for anything unparseable, so one odd value never breaks the page.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


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
    """Return the URL only if it is a plain http(s) URL, else None.

    Scraped URLs can be ``javascript:``, ``data:`` or obfuscated with control
    characters that browsers strip; anything not unambiguously http(s) stays text.
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


FILTERS = {
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
    return env


# --------------------------------------------------------------------------- view models


@dataclass(frozen=True)
class Hop:
    """One redirect hop as shown in the chain."""

    url: str | None
    status: int | None


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
    """A link that needs attention: broken, blocked by bot protection, or robots-forbidden."""

    kind: str  # "broken" | "blocked" | "robots"
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
    announcements: list[AnnouncementView] = field(default_factory=list)
    announcements_warning: str | None = None
    links: dict[str, int] = field(default_factory=dict)
    problem_links: list[LinkView] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)


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


STATUS_LABELS = {"up": "Up", "degraded": "Degraded", "down": "Down", "unchecked": "Unchecked"}
STATUS_SYMBOLS = {"up": "✓", "degraded": "!", "down": "✕", "unchecked": "?"}


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


def _problem_links(raw: Mapping[str, Any]) -> list[LinkView]:
    views = []
    for kind, key in (("broken", "broken_links"), ("blocked", "blocked_links"), ("robots", "robots_links")):
        for link in raw.get(key) or []:
            if not isinstance(link, Mapping) or not _text(link.get("url")):
                continue
            if kind == "broken":
                status = _int(link.get("status"))
                detail = _text(link.get("error")) or (f"HTTP {status}" if status else None)
            elif kind == "blocked":
                detail = _text(link.get("evidence"))
            else:
                detail = "not checked: robots.txt forbids it"
            views.append(LinkView(kind, _text(link.get("url")) or "", detail, _texts(link.get("found_on"))))
    return views


def _events(value: Any) -> list[EventView]:
    return [
        EventView(_text(e.get("kind")) or "event", _text(e.get("url")), _text(e.get("old")), _text(e.get("new")))
        for e in (value if isinstance(value, (list, tuple)) else [])
        if isinstance(e, Mapping)
    ]


def _resource(raw: Mapping[str, Any], index: int, reference: str | None) -> ResourceView:
    status = raw.get("status")
    status = status if status in _STATUS_RANK else "unchecked"
    url = _text(raw.get("url"))
    final_url = _text(raw.get("final_url"))
    name = _text(raw.get("name")) or url or f"Resource {index + 1}"
    slug = _SLUG_UNSAFE.sub("-", (_text(raw.get("slug")) or "").lower()).strip("-")

    hops = []
    for hop in raw.get("redirects") or []:
        if isinstance(hop, Mapping):
            hops.append(Hop(url=_text(hop.get("url")), status=_int(hop.get("status"))))

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
        anchor=f"r-{slug}" if slug else f"r-{index + 1}",
        url=url,
        organization=_text(raw.get("organization")),
        language=language,
        tags=_texts(raw.get("tags")),
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
        tls_warn=days_left is not None and days_left < TLS_WARN_DAYS,
        retries=_int(raw.get("retries")) or 0,
        content_type=_text(raw.get("content_type")),
        body_bytes=_int(raw.get("body_bytes")),
        reasons=_texts(raw.get("reasons")),
        announcements=_announcements(raw.get("announcements")),
        announcements_warning=_text(raw.get("announcements_warning")),
        links={k: v for k, v in (raw.get("links") or {}).items() if _int(v) is not None}
        if isinstance(raw.get("links"), Mapping) else {},
        problem_links=_problem_links(raw),
        events=_events(raw.get("events")),
    )


def _sort_key(resource: ResourceView) -> tuple[int, str]:
    return (_STATUS_RANK[resource.status], resource.name.casefold())


def _overall(counts: Mapping[str, int], total: int, has_run: bool) -> tuple[str, str]:
    """One state and one sentence for the banner, worst news first."""
    if not has_run:
        return "unchecked", "No run yet"
    if total == 0:
        return "unchecked", "No resources configured"
    if counts["down"]:
        noun = "resource" if total == 1 else "resources"
        return "down", f"{counts['down']} of {total} {noun} down"
    if counts["degraded"]:
        noun = "resource" if total == 1 else "resources"
        return "degraded", f"{counts['degraded']} of {total} {noun} degraded"
    if counts["up"] == total:
        return "up", "All resources operational"
    return "unchecked", "Some resources not checked yet"


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

    raw_resources = status.get("resources") or []
    resources = [
        _resource(raw, index, reference)
        for index, raw in enumerate(raw_resources)
        if isinstance(raw, Mapping)
    ]
    resources.sort(key=_sort_key)

    # Trust the document's summary (it is computed from the database), fall back to counting.
    summary = status.get("summary") if isinstance(status.get("summary"), Mapping) else {}
    counts = {}
    for name in STATUSES:
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
    )


_ENV: jinja2.Environment | None = None


def _environment() -> jinja2.Environment:
    """One environment per process so templates are compiled once."""
    global _ENV
    if _ENV is None:
        _ENV = make_environment()
    return _ENV


def render_index(status: Mapping[str, Any]) -> str:
    """Render the whole status page as one HTML string."""
    view = build_view(status)
    template = _environment().get_template(INDEX_TEMPLATE)
    return template.render(
        page=view,
        labels=STATUS_LABELS,
        symbols=STATUS_SYMBOLS,
        statuses=STATUSES,
    )
