"""Everything read from a resource's own page, in one pass over its decoded text.

The spider runs this in a worker thread: BeautifulSoup on a large page takes
seconds, and on the reactor thread that would stall every other download
(long enough for their timeouts to fire).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crawler.extract.announcements import Announcement, read_announcements
from crawler.extract.feeds import discover_feeds
from crawler.extract.identity import DEFAULT_MAX_ITEMS
from crawler.extract.maintext import fingerprint, main_text
from crawler.extract.page import clean_text, decode_html, is_html, parse_page


@dataclass(frozen=True)
class ResourcePage:
    title: str | None
    description: str | None
    html: str | None  # decoded text, kept for a feed that may fail later
    main_text: str | None
    feed_url: str | None  # the feed to read instead of the page, if any
    announcements: list[Announcement] | None  # read from the page when there is no feed
    announcements_reason: str | None = None  # why the page gave none
    # fingerprint(main_text): tens of ms of regular expressions on a long page, worked
    # out here, in the thread that reads the page, not on the crawl's reactor thread
    fingerprint: str | None = None


def read_resource_page(
    body: bytes,
    content_type: str | None,
    url: str,
    *,
    explicit_feed: str | None,
    selectors: dict[str, str] | None,
    language: str | None,
    fetched_at: datetime,
    max_announcements: int = DEFAULT_MAX_ITEMS,
) -> ResourcePage:
    """Title, description and main text; then where announcements come from: an
    explicit feed, configured selectors, an advertised feed, or the page itself."""
    info = parse_page(body, content_type)
    if not is_html(content_type, body):
        return ResourcePage(info.title, info.description, None, None, None, None)
    html = decode_html(body, content_type)[1]
    feed_url = explicit_feed
    if feed_url is None and selectors is None:
        discovered = discover_feeds(html, url)
        feed_url = discovered[0] if discovered else None
    announcements, reason = None, None
    if feed_url is None:
        found = read_announcements(html, url, language=language, fetched_at=fetched_at, selectors=selectors,
                                   max_items=max_announcements)
        announcements, reason = found.items, found.reason
    text = clean_text(main_text(html), limit=200_000)
    return ResourcePage(info.title, info.description, html, text, feed_url, announcements, reason,
                        fingerprint=fingerprint(text) if text is not None else None)
