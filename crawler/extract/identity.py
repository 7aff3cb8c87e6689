"""One announcement as stored and compared across crawls, and what makes two the same.

Every source (feed, JSON-LD, microdata, a listing, configured selectors) gives
the same record, so the store, the "new since last run" logic and the exports
never need to know where an item came from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from crawler.extract.urls import canonicalize

SOURCES = frozenset({"feed", "jsonld", "microdata", "article", "listing", "selectors"})
SUMMARY_MAX = 300
TITLE_MAX = 300
# Items kept per page or feed when the configuration does not say (settings.max_announcements).
DEFAULT_MAX_ITEMS = 200


@dataclass(frozen=True)
class Announcement:
    """One announced item, as stored and compared across crawls."""

    title: str  # plain text, whitespace collapsed, non-empty
    url: str | None  # absolute canonical http(s) URL
    # The publisher's day, "YYYY-MM-DDT00:00:00Z", or moment with its offset
    # (crawler.extract.dates); None when the item carries no date.
    published: str | None
    summary: str  # plain text, at most SUMMARY_MAX characters, "" if none
    guid: str | None  # feed guid/id when known
    source: str  # one of SOURCES


def normalize_title(title: str) -> str:
    """Case, width and spacing variants of a title are the same announcement.

    >>> normalize_title("  Nieuw  JAARVERSLAG\\u00a02024 ")
    'nieuw jaarverslag 2024'
    """
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def announcement_key(a: Announcement) -> str:
    """Identity of an announcement across runs: URL, else feed guid, else title.

    >>> announcement_key(Announcement("T", "https://Ex.org/a?utm_source=x", None, "", "g", "feed"))
    'https://ex.org/a'
    >>> announcement_key(Announcement("Big  News", None, None, "", None, "listing"))
    'title:big news'
    """
    if a.url:
        try:
            return canonicalize(a.url)
        except ValueError:
            return a.url
    if a.guid:
        return "guid:" + a.guid.strip()
    return "title:" + normalize_title(a.title)


def finalize(items: Iterable[Announcement], max_items: int) -> list[Announcement]:
    """Drop repeats and cap the count. The first copy of an item wins, so document order
    is kept; a date that only a later copy shows is its date (a featured teaser without
    a date above the dated listing that repeats it).

    >>> undated = Announcement("A", "https://e.org/a", None, "", None, "listing")
    >>> dated = Announcement("A", "https://e.org/a", "2025-05-03T00:00:00Z", "", None, "listing")
    >>> [(a.url, a.published) for a in finalize([undated, dated], 10)]
    [('https://e.org/a', '2025-05-03T00:00:00Z')]
    """
    kept: dict[str, int] = {}
    result: list[Announcement] = []
    for item in items:
        key = announcement_key(item)
        if key in kept:
            first = result[kept[key]]
            if first.published is None and item.published:
                result[kept[key]] = replace(first, published=item.published)
        elif len(result) < max_items:
            kept[key] = len(result)
            result.append(item)
    return result
