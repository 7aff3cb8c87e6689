"""Jinja filters of the status page: how times, durations, sizes, ratios and URLs read.

Each takes whatever the status document holds (a value may be missing, null or of
an unexpected type after a hand edit or a newer version) and returns display text,
never raising, so one odd value can never break the page.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime
from typing import Any

from crawler.core.timeutil import parse_iso
from crawler.extract.urls import InvalidURL, resolve_url

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TAG_SAFE = re.compile(r"[a-z0-9-]{1,64}")


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
    "safe_href": safe_href,
    "fmt_time": fmt_time,
    "fmt_date": fmt_date,
    "bytes": filesize,
}
