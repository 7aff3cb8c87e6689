"""Atom feeds of announcements: every site becomes a feed, even those that publish none.

Entry ids are tag URIs derived from the announcement's identity, so a reader never
shows an item twice; a changed title or date moves `updated`, not the id, so the
item is updated in place. An item first seen within the `new_for` window carries
``<category term="new">``, the same mark the page and ``export --new-only`` use.
Built with ElementTree: text is always escaped.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from crawler.core.timeutil import is_published_day
from crawler.extract.urls import is_web_url

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_DATE = "2026"  # the date part of our tag URIs; never change it, ids depend on it
NEW_SCHEME = "urn:healthcrawl:state"  # the scheme of the "new" category
ET.register_namespace("", ATOM_NS)


def atom_published(value: str) -> str:
    """Atom's `published` for a stored date. A moment keeps its offset. A day (stored as
    midnight UTC) is written at noon UTC: feed readers show times in their own zone, and
    midnight UTC is the previous evening in the Americas, while noon UTC is the same
    calendar day from UTC-11 to UTC+11, the day the page showed.

    >>> atom_published("2026-05-15T00:00:00Z"), atom_published("2026-05-15T09:30:00+02:00")
    ('2026-05-15T12:00:00Z', '2026-05-15T09:30:00+02:00')
    """
    return value[:10] + "T12:00:00Z" if is_published_day(value) else value


def entry_id(resource_url: str, resource_id: str, key: str) -> str:
    """A stable tag URI (RFC 4151) for one announcement of one resource.

    >>> entry_id("https://blogs.iadb.org/x/", "blog", "https://blogs.iadb.org/x/post")
    'tag:blogs.iadb.org,2026:healthcrawl/blog/e9a6c2208e6dcc221dbc'
    """
    host = urlsplit(resource_url).hostname or "localhost"
    digest = hashlib.sha256(f"{resource_id}\n{key}".encode()).hexdigest()[:20]
    return f"tag:{host},{TAG_DATE}:healthcrawl/{resource_id}/{digest}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = _xml_safe(text)
    return element


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _xml_safe(text: str) -> str:
    r"""Drop characters XML 1.0 cannot carry (control characters from scraped pages)
    and bidi overrides that would make a reader display the text reversed.

    >>> _xml_safe("a\x00b\u202ec")
    'abc'
    """
    return "".join(ch for ch in text if (ch in "\t\n\r" or ord(ch) >= 0x20) and ch not in _BIDI_CONTROLS)


def build_feed(
    *,
    feed_id: str,
    title: str,
    updated: str,
    entries: Iterable[dict[str, Any]],
    resources: dict[str, dict[str, Any]],
    link: str | None = None,
    new_ids: frozenset[int] | set[int] = frozenset(),
) -> str:
    """An Atom document; `entries` are announcement rows, `resources` maps id to resource row,
    `new_ids` are the row ids of the announcements to mark new."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    _sub(feed, "updated", updated)
    _sub(feed, "generator", "healthcrawl")
    if link and is_web_url(link):
        _sub(feed, "link", href=link)
    for row in entries:
        resource = resources.get(row["resource_id"], {"name": row["resource_id"], "url": ""})
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(resource["url"], row["resource_id"], row["key"]))
        _sub(entry, "title", row["title"])
        _sub(entry, "updated", row["updated_at"] or updated)
        if row.get("published"):
            _sub(entry, "published", atom_published(row["published"]))
        if is_web_url(row.get("url")):
            _sub(entry, "link", rel="alternate", href=row["url"])
        author = _sub(entry, "author")
        _sub(author, "name", resource["name"])
        _sub(entry, "category", term=row["resource_id"], label=resource["name"])
        if row.get("id") in new_ids:
            _sub(entry, "category", term="new", scheme=NEW_SCHEME, label="New")
        if row.get("summary"):
            _sub(entry, "summary", row["summary"])
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
