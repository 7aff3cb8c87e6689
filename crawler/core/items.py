"""The contract between the spider and the pipelines: raw facts, no verdicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class CheckResult:
    """What one fetch of a resource told us. The pipeline decides up/degraded/down."""

    resource_id: str
    url: str
    checked_at: str
    final_url: str | None = None
    http_status: int | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)  # [{"url", "status"}] hop by hop
    response_ms: int | None = None
    content_type: str | None = None
    body_bytes: int | None = None
    title: str | None = None
    description: str | None = None
    tls_expires_at: str | None = None
    retries: int = 0
    error: str | None = None  # human-readable, e.g. "DNS lookup failed for example.invalid"
    error_kind: str | None = None  # dns | refused | timeout | tls | redirects | http | size | ...
    main_text: str | None = None  # the page's text without boilerplate, for change detection
    main_text_fingerprint: str | None = None  # its fingerprint, when worked out where the page was read
    # Read in headless Chromium (render: on, or auto and the HTML was an app shell); the
    # facts above stay those of the plain request, the page's text and links the browser's.
    rendered: bool = False
    render_ms: int | None = None  # how long the browser took to open and read the page
    render_error: str | None = None  # why the browser could not read it (the plain HTML was read)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AnnouncementsResult:
    """A resource's current announcements and where they came from.

    `source` is "feed" when a feed gave items, "html" when they were read from the
    page itself (no feed, or the feed was broken: `warning` says why), and
    "selectors" when the page was read with the configured CSS selectors.
    """

    resource_id: str
    source: str
    items: list[dict[str, Any]]  # Announcement fields plus "key", the identity
    feed_url: str | None = None
    warning: str | None = None
    reason: str | None = None  # why there are no items (one line), None when there are some


@dataclass
class LinkPageResult:
    """A page whose links were read: which (url, fragment, link text) it links to, and
    how many links were skipped (mailto:, tel:, javascript:, data:, excluded...).
    The text is the anchor's words ('' for images without alt, sitemap entries...),
    so a report can say which link is broken as a reader of the page sees it."""

    resource_id: str
    page: str
    depth: int
    sources: list[tuple[str, str, str]]
    skipped: dict[str, int]


@dataclass
class LinkResult:
    """One checked link URL (fragment removed). `result` is from
    crawler.core.linkstatus: ok, redirected, broken, blocked, robots."""

    url: str
    result: str
    checked_at: str
    method: str  # HEAD, GET or "memory" (not rechecked with --fast)
    http_status: int | None = None
    final_url: str | None = None
    redirects: int = 0
    error: str | None = None
    evidence: str | None = None
    response_ms: int | None = None
    not_modified: bool = False
    anchors: list[str] | None = None  # ids/names on the page, when fragments are checked
    etag: str | None = None
    last_modified: str | None = None
    # the body's links as read (PageLinks.as_record), when it was read as a page: kept
    # as the URL's state so an unchanged page (304) is planned without its body
    page_links: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
