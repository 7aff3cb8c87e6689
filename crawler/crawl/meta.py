"""The request meta keys and response flags healthcrawl's components share: one
vocabulary, so a middleware never imports another to name a key."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request

HOPS_KEY = "healthcrawl_hops"  # the redirect chain so far: [{"url", "status", "ms", "via"?}]
LINK_KEY = "healthcrawl_link"  # the Fetch (crawler.core.linkplan) of a link check
SITEMAP_KEY = "healthcrawl_sitemap"  # the SitemapFetch a response answers
CONFIRM_KEY = "healthcrawl_confirm"  # attempts that must all fail before a resource is down
REMEMBERED_PAGE_KEY = "healthcrawl_remembered_page"  # the PageLinks to use if a page answers 304
FRESH_FINAL_URL_KEY = "healthcrawl_fresh_final_url"  # where a link answered from memory ended last time
FRESH_FLAG = "healthcrawl:fresh"  # response flag: answered from memory (--fast), not the network
CHECK_KEY = "healthcrawl_check"  # a rendering's CheckResult, taken from the plain answer
PLAIN_KEY = "healthcrawl_plain"  # a rendering's plain answer (or its links), read instead if the browser fails
RENDER_FETCH_KEY = "healthcrawl_render_fetch"  # the Fetch of a followed page the browser reads again
REDIRECT_COOKIES_KEY = "healthcrawl_redirect_cookies"  # the cookies one redirect chain has set (a CookieJar)


def latency_ms(request: Request) -> int:
    """The request's download time in whole milliseconds (Scrapy's download_latency)."""
    return int(round(float(request.meta.get("download_latency") or 0) * 1000))
