"""Feeds: finding them on a page and turning RSS, Atom or JSON Feed bodies into announcements.

A feed is the most trustworthy source of announcements a site has, but feeds in
the wild are often broken; parsing never raises and says what was wrong in
``FeedResult.warning`` so the report can show it to the site owner.
"""

from __future__ import annotations

import calendar
import io
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree

from crawler.extract.blocks import page_base_url, resolve_url
from crawler.extract.dates import format_published, parse_date
from crawler.extract.htmltext import collapse, html_to_text, parse_html, truncate
from crawler.extract.identity import DEFAULT_MAX_ITEMS, SUMMARY_MAX, TITLE_MAX, Announcement, finalize

log = logging.getLogger(__name__)

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        # Generic types: only a feed when the title or href says so (WordPress links its
        # REST API as rel=alternate type=application/json, which is no feed).
        "application/json",
        "application/xml",
        "text/xml",
    }
)
_GENERIC_TYPES = frozenset({"application/json", "application/xml", "text/xml"})
_FEEDISH = re.compile(r"feed|rss|atom", re.IGNORECASE)
_COMMENT_TITLE = re.compile(r"comment|comentario|reactie|kommentar", re.IGNORECASE)
_COMMENT_HREF = re.compile(r"/comments?/|comments?[-_]?(?:feed|rss|atom)", re.IGNORECASE)

# Parsing a feed far larger than what we keep is wasted time (feedparser needs ~15 s for
# 100,000 items), so big bodies are cut after the last item we keep.
TRIM_THRESHOLD = 512 * 1024
_XML_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml")
_ITEM_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")


@dataclass(frozen=True)
class FeedResult:
    """What one feed body yielded."""

    items: list[Announcement]
    warning: str | None  # why the feed is (partly) unusable; None when fine
    title: str | None  # the feed's own title


# --------------------------------------------------------------------------- discovery


def _rels(value: Any) -> set[str]:
    values = value if isinstance(value, list) else str(value or "").split()
    return {str(v).lower() for v in values}


def discover_feeds(html: str | bytes, page_url: str) -> list[str]:
    """Feed URLs a page advertises with ``<link rel="alternate">``, in page order.

    Comment feeds are only returned when the page advertises nothing else.
    """
    if not html:
        return []
    try:
        soup = parse_html(html)
        base = page_base_url(soup, page_url)
        main: list[str] = []
        comments: list[str] = []
        for link in soup.find_all("link", href=True):
            if "alternate" not in _rels(link.get("rel")):
                continue
            kind = str(link.get("type") or "").split(";")[0].strip().lower()
            title = collapse(str(link.get("title") or ""))
            href = str(link.get("href") or "")
            if kind not in FEED_TYPES:
                continue
            if kind in _GENERIC_TYPES and not (_FEEDISH.search(title) or _FEEDISH.search(href)):
                continue
            url = resolve_url(href, base)
            if url:
                is_comments = _COMMENT_TITLE.search(title) or _COMMENT_HREF.search(href)
                (comments if is_comments else main).append(url)
    except Exception:
        log.warning("feed discovery failed on %s", page_url, exc_info=True)
        return []
    return list(dict.fromkeys(main or comments))


# --------------------------------------------------------------------------- parsing


def parse_feed(
    body: bytes,
    feed_url: str,
    *,
    language: str | None,
    fetched_at: datetime,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> FeedResult:
    """Announcements of an RSS 0.9x/1.0/2.0, Atom or JSON Feed body. Never raises."""
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if not body or not body.strip():
            return FeedResult([], "feed is empty", None)
        if _looks_like_json(body):
            return _parse_json_feed(body, feed_url, language, fetched_at, max(max_items, 0))
        return _parse_xml_feed(body, feed_url, language, fetched_at, max(max_items, 0))
    except Exception as exc:  # a feed must never take the crawl down
        log.warning("feed parsing failed for %s", feed_url, exc_info=True)
        return FeedResult([], f"feed could not be parsed: {type(exc).__name__}: {exc}", None)


def _looks_like_json(body: bytes) -> bool:
    """
    >>> _looks_like_json(b'\\xef\\xbb\\xbf  {"version": 1}'), _looks_like_json(b"<rss/>")
    (True, False)
    """
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def _fallback_title(summary: str) -> str:
    """Title-less items (microblog posts) are named by the start of their text."""
    return truncate(summary, 100)


def _announcement(
    title: str, link: Any, base: str, published: str | None, summary: str, guid: Any
) -> Announcement | None:
    summary = truncate(summary, SUMMARY_MAX)
    title = truncate(collapse(title), TITLE_MAX) or _fallback_title(summary)
    if not title:
        return None
    usable_guid = isinstance(guid, (str, int)) and not isinstance(guid, bool)
    guid_text = collapse(str(guid)) if usable_guid else ""
    url = resolve_url(link, base)
    return Announcement(title, url, published, summary, guid_text or None, "feed")


# --------------------------------------------------------------------------- JSON Feed


def _parse_json_feed(
    body: bytes, feed_url: str, language: str | None, fetched_at: datetime, max_items: int
) -> FeedResult:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        return FeedResult([], f"feed is not valid JSON{where}: {getattr(exc, 'msg', exc)}", None)
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if not version.startswith("https://jsonfeed.org/version/"):
        return FeedResult([], "JSON document is not a JSON Feed (no jsonfeed.org version)", None)
    title = collapse(data["title"]) if isinstance(data.get("title"), str) else None
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        return FeedResult([], "JSON Feed has no items list", title or None)
    language = language or (data.get("language") if isinstance(data.get("language"), str) else None)
    items = []
    for raw in raw_items[:max_items]:
        if isinstance(raw, dict):
            item = _json_item(raw, feed_url, language, fetched_at)
            if item:
                items.append(item)
    return FeedResult(finalize(items, max_items), None, title or None)


def _json_item(
    raw: dict, feed_url: str, language: str | None, fetched_at: datetime
) -> Announcement | None:
    def text(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    summary = (
        collapse(text("summary"))
        or collapse(text("content_text"))
        or html_to_text(text("content_html"))
    )
    published = None
    for key in ("date_published", "date_modified"):
        published = published or parse_date(text(key), language=language, fetched_at=fetched_at)
    link = text("url") or text("external_url")
    return _announcement(text("title"), link, feed_url, published, summary, raw.get("id"))


# --------------------------------------------------------------------------- RSS / Atom


def _closing_tags(prefix: bytes) -> bytes | None:
    """End tags that close a document cut right after an item, or None if it was not."""
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True)
    stack: list[str] = []
    last_end = ""
    try:
        parser.feed(prefix)
        for event, el in parser.read_events():
            if not isinstance(el, etree._Element):
                continue  # only start and end events are asked for: always elements
            name = etree.QName(el).localname
            qualified = f"{el.prefix}:{name}" if el.prefix else name
            if event == "start":
                stack.append(qualified)
            else:
                stack.pop()
                last_end = name
    except (etree.LxmlError, ValueError, IndexError):
        return None
    if last_end not in ("item", "entry") or not stack:
        return None
    return "".join(f"</{name}>" for name in reversed(stack)).encode("utf-8")


def trim_xml_items(body: bytes, max_items: int) -> bytes:
    """The feed cut after its ``max_items``-th item and closed again; the body itself when
    small, short or too odd to cut safely."""
    if len(body) < TRIM_THRESHOLD or max_items <= 0:
        return body
    ends = _ITEM_END.finditer(body)
    cut = None
    for count, match in enumerate(ends, start=1):
        if count == max_items:
            cut = match.end()
        elif count > max_items:
            break
    else:
        return body  # no more than max_items items: nothing to gain
    closing = _closing_tags(body[:cut]) if cut else None
    return body[:cut] + closing if closing else body


def _describe_bozo(exc: Any, body: bytes) -> str:
    """A sentence for the report about why feedparser flagged the feed."""
    if exc is None:
        return "feed is not well-formed"
    if hasattr(exc, "getLineNumber") and hasattr(exc, "getMessage"):
        try:
            line = exc.getLineNumber()
            if line > 1 and not _XML_DECLARATION.match(body):
                line -= 1  # feedparser prepended a declaration line before parsing
            return f"feed is not well-formed XML (line {line}): {exc.getMessage()}"
        except Exception:
            pass
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return f"feed encoding is mislabelled: {exc}"
    return f"feed has errors: {type(exc).__name__}: {exc}"


def _struct_to_iso(value: Any, fetched_at: datetime) -> str | None:
    """feedparser's *_parsed struct_time (always UTC) to our ISO spelling."""
    try:
        moment = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return format_published(moment, fetched_at=fetched_at)


def _entry_date(entry: Any, language: str | None, fetched_at: datetime) -> str | None:
    """Published before updated. The raw string first: it keeps the publisher's offset
    (feedparser's parse is in UTC, which moves a midnight "+02:00" to the day before) and
    dateparser reads localized strings ("mar, 13 may 2025"); feedparser's parse after it,
    for the odd formats only feedparser knows."""
    for key in ("published", "updated", "created"):
        # Plain dict lookups: FeedParserDict.get("updated") falls back to "published" with a
        # DeprecationWarning, and we want each key for what it is.
        raw = dict.get(entry, key)
        parsed = parse_date(raw, language=language, fetched_at=fetched_at)
        struct = dict.get(entry, key + "_parsed")
        parsed = parsed or (_struct_to_iso(struct, fetched_at) if struct else None)
        if parsed:
            return parsed
    return None


def _entry_text(entry: Any, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str):
        return ""
    detail = entry.get(key + "_detail") or {}
    if detail.get("type") == "text/plain" and "<" not in value:
        return collapse(value)
    return html_to_text(value)


def _entry_link(entry: Any) -> str | None:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link
    for candidate in entry.get("links") or []:
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return candidate["href"]
    return None


def _entry_item(
    entry: Any, feed_url: str, language: str | None, fetched_at: datetime
) -> Announcement | None:
    summary = _entry_text(entry, "summary")
    if not summary:
        contents = entry.get("content") or []
        summary = html_to_text(contents[0].get("value")) if contents else ""
    return _announcement(
        _entry_text(entry, "title"),
        _entry_link(entry),
        feed_url,
        _entry_date(entry, language, fetched_at),
        summary,
        entry.get("id"),
    )


def _parse_xml_feed(
    body: bytes, feed_url: str, language: str | None, fetched_at: datetime, max_items: int
) -> FeedResult:
    parsed = feedparser.parse(
        # A stream, because feedparser tries bytes as a file name first.
        io.BytesIO(trim_xml_items(body, max_items)),
        # Without a content type feedparser flags every feed; application/xml defers to the
        # XML declaration for the encoding (text/xml would force us-ascii).
        response_headers={"content-location": feed_url, "content-type": "application/xml"},
        resolve_relative_uris=False,  # we keep text only; links are resolved below
        sanitize_html=False,
    )
    feed = parsed.get("feed") or {}
    title = html_to_text(feed.get("title")) or None
    entries = parsed.get("entries") or []
    warning = _describe_bozo(parsed.get("bozo_exception"), body) if parsed.get("bozo") else None
    if not entries and not parsed.get("version"):
        warning = warning or "not an RSS or Atom feed (no feed elements found)"
    language = language or (feed.get("language") if isinstance(feed.get("language"), str) else None)
    items = []
    for entry in entries[:max_items]:
        item = _entry_item(entry, feed_url, language, fetched_at)
        if item:
            items.append(item)
    return FeedResult(finalize(items, max_items), warning, title)
