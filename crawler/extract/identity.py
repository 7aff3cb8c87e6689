"""One announcement as stored and compared across crawls, and what makes two the same.

Every source (feed, JSON-LD, microdata, a listing, configured selectors) gives
the same record, so the store, the "new since last run" logic and the exports
never need to know where an item came from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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
    """Drop repeats (first occurrence wins, so document order is kept) and cap the count."""
    seen: set[str] = set()
    result: list[Announcement] = []
    for item in items:
        if len(result) >= max_items:
            break
        key = announcement_key(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result
