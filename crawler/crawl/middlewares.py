"""Downloader middlewares: what the stock ones do not record or do.

* HopRecorderMiddleware sits nearer the downloader than RedirectMiddleware so
  it sees every hop: it keeps each redirect's URL, status and latency.
  MetaRefreshHopMiddleware does the same for a followed ``<meta http-equiv=refresh>``.
* BackoffRetryMiddleware is Scrapy's RetryMiddleware with waiting: exponential
  backoff with jitter, and Retry-After honoured on 429/503.
* LinkMemoryMiddleware makes link checks incremental: conditional requests from
  the validators the last run stored, and with --fast no request at all for a
  link found healthy recently.
* ProxyMiddleware is Scrapy's HttpProxyMiddleware deciding once per host whether
  no_proxy exempts it, not once per request.
* CookieRedirectMiddleware is Scrapy's RedirectMiddleware sending a cookie that a
  redirect set on the next hops of the same chain, as a browser does (ChainCookies;
  the meta refresh one does the same), so a site that sets a cookie and redirects
  to itself until it comes back is not reported as a redirect loop.
"""

from __future__ import annotations

import asyncio
import random
import urllib.request
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import HtmlResponse
from scrapy.http import Response as ScrapyResponse
from scrapy.http.cookies import CookieJar
from scrapy.utils.httpobj import urlparse_cached

from crawler.core.timeutil import parse_iso, utcnow
from crawler.core.vocabulary import HEALTHY
from crawler.crawl.meta import (
    CONFIRM_KEY,
    FRESH_FINAL_URL_KEY,
    FRESH_FLAG,
    HOPS_KEY,
    LINK_KEY,
    REDIRECT_COOKIES_KEY,
    REMEMBERED_PAGE_KEY,
    latency_ms,
)
from crawler.extract.links import PageLinks

if TYPE_CHECKING:
    from typing import Any, Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

class HopRecorderMiddleware:
    """Records each redirect hop in request meta as {"url", "status", "ms"};
    RedirectMiddleware copies meta to the next request, so the final response
    carries the whole chain."""

    def process_response(self, request: Request, response: Response) -> Response:
        if 300 <= response.status < 400 and b"Location" in response.headers:
            hop = {"url": request.url, "status": response.status, "ms": latency_ms(request)}
            request.meta[HOPS_KEY] = [*request.meta.get(HOPS_KEY, []), hop]
        return response


class ChainCookies:
    """Cookies live for one redirect chain: set by a hop, sent on the next ones.

    healthcrawl keeps no cookies between requests (a link check is anonymous), but
    some sites answer a first visit with a cookie and a redirect back to the same
    address (a session, consent or bot-check cookie), and serve the page once the
    cookie comes back. Without it the chain never ends and a site every browser
    opens is reported down ("redirect loop"). The jar is made only when a redirect
    sets a cookie and travels in the chain's meta; Python's cookiejar rules decide
    where each cookie goes (its host, or a domain's subdomains; Secure ones over
    https only). Mixed into the redirect middlewares, where the next hop is built,
    so a request that is not redirected pays nothing.
    """

    def _build_redirect_request(self, source_request: Request, response: Response, *, url: str,
                                **kwargs: Any) -> Request:
        redirect: Request = super()._build_redirect_request(  # type: ignore[misc]
            source_request, response, url=url, **kwargs)
        jar = source_request.meta.get(REDIRECT_COOKIES_KEY)
        if jar is None:
            if b"Set-Cookie" not in response.headers:
                return redirect
            jar = redirect.meta[REDIRECT_COOKIES_KEY] = CookieJar()
        jar.extract_cookies(response, source_request)
        redirect.headers.pop(b"Cookie", None)  # the last hop's, copied (or dropped) by Scrapy
        jar.add_cookie_header(redirect)
        return redirect


class CookieRedirectMiddleware(ChainCookies, RedirectMiddleware):
    """Scrapy's RedirectMiddleware, with a redirect chain's own cookies (ChainCookies)."""


class MetaRefreshHopMiddleware(ChainCookies, MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, with the page it leaves recorded as a hop.

    A page that sends the browser on with ``<meta http-equiv=refresh>`` is a
    redirect, so it gets a hop like a 3xx: {"url", "status" (the page's own, usually
    200), "ms", "via": "meta refresh"}. The hop is added to the request's meta
    before Scrapy decides, as HopRecorderMiddleware does, so the chain is there
    both on the next request and when the limit of redirects stops the crawl; it
    is taken back when the refresh is not followed (too long a delay, a scheme we
    do not fetch, a HEAD request).
    """

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if request.method == "HEAD" or not isinstance(response, HtmlResponse):
            return response  # Scrapy follows a refresh only on an HTML page fetched with GET
        had_hops = HOPS_KEY in request.meta
        hops = request.meta.get(HOPS_KEY, [])
        hop = {"url": request.url, "status": response.status, "ms": latency_ms(request), "via": "meta refresh"}
        request.meta[HOPS_KEY] = [*hops, hop]
        result = super().process_response(request, response)
        if result is response:
            if had_hops:
                request.meta[HOPS_KEY] = hops
            else:
                del request.meta[HOPS_KEY]
        return result


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date).

    >>> retry_after_seconds(b"7")
    7.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - utcnow()).total_seconds())


def backoff_seconds(base: float, attempt: int, *, jitter: float = 0.25) -> float:
    """base * 2**(attempt-1), spread by +/- jitter so retries do not arrive in step.

    >>> 3.0 <= backoff_seconds(2.0, 2, jitter=0.25) * 1 <= 5.0
    True
    """
    delay = base * (2 ** max(0, attempt - 1))
    return delay * random.uniform(1 - jitter, 1 + jitter)


class BackoffRetryMiddleware(RetryMiddleware):
    """Waits before each retry. A Retry-After longer than the configured maximum is
    respected by not retrying at all: the response is reported as it is.

    From RetryMiddleware it takes only the settings its constructor reads
    (retry_http_codes, exceptions_to_retry, max_retry_times, priority_adjust,
    give_up_log_level); each retry is built by the public get_retry_request."""

    backoff: float  # HEALTH_RETRY_BACKOFF: the first wait, doubled for each later retry
    retry_after_max: float  # HEALTH_RETRY_AFTER_MAX

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff = crawler.settings.getfloat("HEALTH_RETRY_BACKOFF")
        middleware.retry_after_max = crawler.settings.getfloat("HEALTH_RETRY_AFTER_MAX")
        return middleware

    async def process_response(  # type: ignore[override]  # Scrapy awaits a coroutine hook
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry"):
            return response
        if response.status not in self.retry_http_codes:
            return await self._confirm(request, response)
        delay = self._delay(request)
        retry_after = retry_after_seconds(response.headers.get(b"Retry-After"))
        if retry_after is not None:
            if retry_after > self.retry_after_max:
                return response
            delay = max(delay, retry_after)
        retry = self._next_attempt(request, f"HTTP {response.status}")
        if retry is None:
            return response
        await asyncio.sleep(delay)
        return retry

    async def process_exception(  # type: ignore[override]  # Scrapy awaits a coroutine hook
        self, request: Request, exception: Exception
    ) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._next_attempt(request, exception)
        if retry is not None:
            await asyncio.sleep(self._delay(request))
        return retry

    async def _confirm(self, request: Request, response: Response) -> Request | Response:
        """A resource answering 4xx/5xx is asked again until CONFIRM_KEY attempts have
        failed, so one bad answer between good ones is not reported as down."""
        attempts = request.meta.get(CONFIRM_KEY, 1)
        if response.status < 400 or request.meta.get("retry_times", 0) + 1 >= attempts:
            return response
        retry = self._next_attempt(request.replace(meta={**request.meta, "max_retry_times": attempts - 1}),
                                   f"HTTP {response.status} (confirming)")
        if retry is None:
            return response
        await asyncio.sleep(self._delay(request))
        return retry

    def _next_attempt(self, request: Request, reason: str | Exception) -> Request | None:
        """The retry of `request` (retry_times + 1, stats under retry/), or None once its
        retries are spent: Scrapy's public get_retry_request, with the per-request meta
        overrides (max_retry_times, priority_adjust, give_up_log_level) that
        RetryMiddleware honours."""
        meta, spider = request.meta, self.crawler.spider
        assert spider is not None  # middlewares run only while the spider is open
        return get_retry_request(
            request,
            spider=spider,
            reason=reason,
            max_retry_times=meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=meta.get("give_up_log_level", self.give_up_log_level),
        )

    def _delay(self, request: Request) -> float:
        return backoff_seconds(self.backoff, request.meta.get("retry_times", 0) + 1)


def remembered_page(known: dict[str, Any], *, read: bool, anchors: bool) -> PageLinks | None:
    """The page an earlier run read at this URL, with what this request needs of it
    (its links when the page is read, its ids when #fragments are checked), or None
    when that was not recorded and the body is needed.

    >>> remembered_page({"anchors": ["a"]}, read=False, anchors=True).anchors
    frozenset({'a'})
    >>> remembered_page({"anchors": ["a"]}, read=True, anchors=False) is None
    True
    >>> len(remembered_page({"page_links": {"links": [["http://a/", "", "a"]], "invalid": []}},
    ...                     read=True, anchors=False).links)
    1
    >>> remembered_page({"page_links": {"links": []}}, read=True, anchors=False) is None  # from before invalid links
    True
    """
    page_links = known.get("page_links")
    if read and (page_links is None or "invalid" not in page_links):
        return None
    if anchors and known.get("anchors") is None:
        return None
    return PageLinks.remembered(page_links or {}, known.get("anchors") or [])


class LinkMemoryMiddleware:
    """Uses what earlier runs learnt about each link URL (ETag, Last-Modified, last
    healthy time, what a page held: the HEALTH_LINK_MEMORY setting) for each link check:

    * sends If-None-Match / If-Modified-Since, so an unchanged target answers 304
      with no body; for a page that is read (followed, or needed for #fragments)
      only when its ids and links were recorded, which the spider then uses;
    * with HEALTH_FAST, answers from memory (a response flagged FRESH_FLAG, no
      request) when the link was healthy within HEALTH_RECHECK_AFTER seconds.
    """

    def __init__(self, memory: dict[str, dict[str, Any]], fast: bool, recheck_after: float):
        self.memory = memory
        self.fast = fast
        self.recheck_after = recheck_after

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(settings.get("HEALTH_LINK_MEMORY") or {}, settings.getbool("HEALTH_FAST"),
                   settings.getfloat("HEALTH_RECHECK_AFTER"))

    def process_request(self, request: Request) -> Response | None:
        fetch = request.meta.get(LINK_KEY)
        if fetch is None or request.meta.get(HOPS_KEY):
            return None  # not a link check, or a redirect hop: the validators are not for this URL
        known = self.memory.get(request.url)
        if known is None:
            return None
        if fetch.read or fetch.anchors:
            # A page we read may come back 304 only if we remember what it holds.
            page = remembered_page(known, read=fetch.read, anchors=fetch.anchors)
            if page is None:
                return None
            request.meta[REMEMBERED_PAGE_KEY] = page
        elif self.fast and self._fresh(known):
            request.meta[FRESH_FINAL_URL_KEY] = known.get("last_final_url")
            return ScrapyResponse(request.url, status=200, flags=[FRESH_FLAG], request=request)
        if known.get("etag"):
            request.headers.setdefault(b"If-None-Match", known["etag"])
        if known.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", known["last_modified"])
        return None

    def _fresh(self, known: dict[str, Any]) -> bool:
        last_ok = parse_iso(known.get("last_ok"))
        healthy = known.get("last_result") in HEALTHY
        return healthy and last_ok is not None and (utcnow() - last_ok).total_seconds() < self.recheck_after


class ProxyMiddleware(HttpProxyMiddleware):
    """Scrapy's HttpProxyMiddleware (on only when the environment names a proxy:
    crawler.crawl.settings), with the no_proxy decision kept per host. Scrapy asked
    urllib's proxy_bypass for every request, which reads and decodes the whole
    environment each time (about 70 µs); the environment is read once per host here,
    as it was when the crawl started.

    ``process_request`` is a copy of Scrapy's with that one call changed
    (tests/test_scrapy_internals.py fails when Scrapy's changes)."""

    def __init__(self, auth_encoding: str | None = "latin-1"):
        super().__init__(auth_encoding)
        self._bypass: dict[str, bool] = {}

    def bypasses(self, host: str) -> bool:
        """Whether no_proxy exempts `host` (urllib's rules), decided once per host."""
        if host not in self._bypass:
            self._bypass[host] = bool(urllib.request.proxy_bypass(host))
        return self._bypass[host]

    def process_request(self, request: Request, spider: Any = None) -> None:
        creds, proxy_url, scheme = None, None, None
        if "proxy" in request.meta:
            if request.meta["proxy"] is not None:
                creds, proxy_url = self._get_proxy(request.meta["proxy"], "")
        elif self.proxies:
            parsed = urlparse_cached(request)
            _scheme = parsed.scheme
            if (
                # 'no_proxy' is only supported by http schemes
                _scheme not in {"http", "https"}
                or (parsed.hostname and not self.bypasses(parsed.hostname))
            ) and _scheme in self.proxies:
                scheme = _scheme
                creds, proxy_url = self.proxies[scheme]
        self._set_proxy_and_creds(request, proxy_url, creds, scheme)
        return None
