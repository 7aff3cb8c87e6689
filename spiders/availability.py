"""Fetch every configured resource once and yield what happened. No verdicts here.

Which links to request and which pages to follow is the link plan's business
(crawler.core.linkplan): each callback turns a response into an outcome, and makes
the requests the plan answers with. A distributed worker (`remote_plan`) yields
the outcome itself; the coordinator plans for every worker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.core.classify import describe_failure, http_reason
from crawler.core.config import RENDER_MODES, ConfigError, effective_render, load_config
from crawler.core.items import AnnouncementsResult, CheckResult, LinkResult
from crawler.core.linkplan import (
    Fetch,
    LinkPlan,
    LinkRead,
    Outcome,
    ResourceRead,
    SitemapFetch,
    SitemapRead,
    link_spelling,
    site_root,
)
from crawler.core.linkstatus import bot_block_evidence, classify_link, should_fallback_to_get
from crawler.core.timeutil import iso, parse_iso, utcnow
from crawler.core.vocabulary import LinkVerdict
from crawler.crawl.handler import InvalidResponse
from crawler.crawl.meta import (
    CHECK_KEY,
    CONFIRM_KEY,
    FRESH_FINAL_URL_KEY,
    FRESH_FLAG,
    HOPS_KEY,
    LINK_KEY,
    PLAIN_KEY,
    REMEMBERED_PAGE_KEY,
    RENDER_FETCH_KEY,
    SITEMAP_KEY,
    latency_ms,
)
from crawler.crawl.render import (
    apply_render_settings,
    describe_render_failure,
    render_meta,
    render_seconds,
    wants_render,
)
from crawler.crawl.safety import PrivateAddress
from crawler.crawl.settings import apply_crawl_settings
from crawler.crawl.tlsinfo import certificate_expiry
from crawler.extract.announcements import Announcement, announcement_key, read_announcements
from crawler.extract.feeds import parse_feed
from crawler.extract.identity import DEFAULT_MAX_ITEMS
from crawler.extract.links import PageLinks, extract_links, page_anchors
from crawler.extract.page import is_html, parse_page
from crawler.extract.resource_page import ResourcePage, read_resource_page
from crawler.extract.sitemaps import parse_sitemap, sitemaps_in_robots
from crawler.store.database import read_link_memory

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from crawler.core.config import Config, Resource


class AvailabilitySpider(scrapy.Spider):
    """Checks each resource in the file named by HEALTH_CONFIG."""

    name = "availability"
    remote_plan = False  # True in a distributed worker: the coordinator plans

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Load resources.yaml before the crawler starts, so its `settings:` block
        shapes timeouts and concurrency, and a bad file stops us before any request;
        and what earlier runs learnt about each link (conditional requests, --fast)."""
        super().update_settings(settings)
        try:
            config = load_config(settings.get("HEALTH_CONFIG"))
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        apply_crawl_settings(settings, config.settings)
        apply_render_settings(settings, config)
        settings.set("HEALTH_LOADED_CONFIG", config, priority="spider")
        if settings.get("HEALTH_LINK_MEMORY") is None:  # a distributed worker has it from the coordinator
            settings.set("HEALTH_LINK_MEMORY", read_link_memory(settings.get("HEALTH_DB_PATH")), priority="spider")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._plan: LinkPlan | None = None
        self._render_sites: dict[str, str] | None = None  # site root -> render mode of its resources
        # Failures these loggers report are recorded in the check itself (a link whose host
        # is down also fails its robots.txt fetch; an oversized or cut-off body is the
        # check's error); on stderr they would only fill cron mail.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        for name in ("scrapy.core.downloader.handlers.http11", "scrapy.core.downloader.handlers._base_streaming"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # Without RefererMiddleware (no Referer is ever sent) the redirect middlewares
        # say so on every run; only that notice is dropped, their -vv lines stay.
        redirect_log = logging.getLogger("scrapy.downloadermiddlewares.redirect")
        if not any(isinstance(f, _RefererNotice) for f in redirect_log.filters):
            redirect_log.addFilter(_RefererNotice())

    @property
    def config(self) -> Config:
        return self.settings["HEALTH_LOADED_CONFIG"]

    @property
    def plan(self) -> LinkPlan:
        if self._plan is None:
            self._plan = LinkPlan(self.config.resources)
        return self._plan

    async def start(self) -> AsyncIterator[Any]:
        for resource in self.config.resources:
            yield self.resource_request(resource, self.config.settings.confirm_attempts)

    def resource_request(self, resource: Resource, confirm_attempts: int) -> scrapy.Request:
        """The check of one configured resource (a distributed run's coordinator
        seeds the shared frontier with these)."""
        return scrapy.Request(
            resource.url,
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,  # two resources may share a URL; each gets its check
            # A resource you listed is checked as a browser would open it; robots.txt
            # governs only what we discover and follow.
            meta={"resource": resource, "started_at": iso(utcnow()), "dont_obey_robotstxt": True,
                  CONFIRM_KEY: confirm_attempts},
        )

    async def parse(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        result = self._result(resource, response.request, response)
        if wants_render(effective_render(resource, self.config.settings), result.content_type, response.body):
            if self.settings.getbool("HEALTH_RENDERING"):
                yield self.render_request(resource, response, result)
                return
            # render: auto on a machine without the browser: read plainly, and say why (degraded)
            result.render_error = self.settings.get("HEALTH_RENDER_UNAVAILABLE")
        page = await asyncio.to_thread(self._read_page, resource, result, response)
        for output in self._page_outputs(resource, result, page, response, response):
            yield output

    # -- a page only scripts fill in: read again in headless Chromium (crawler.crawl.render)

    def render_request(self, resource: Resource, plain: Response, result: CheckResult) -> scrapy.Request:
        """The browser's reading of a resource page already fetched plainly (whose
        answer stays the check's availability facts)."""
        return scrapy.Request(
            plain.url, callback=self.parse_rendered, errback=self.render_failed, dont_filter=True,
            meta={**render_meta(resource.render_wait_for, self.config.settings.render_timeout), "resource": resource,
                  "started_at": plain.meta["started_at"], CHECK_KEY: result, PLAIN_KEY: plain},
        )

    async def parse_rendered(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        result: CheckResult = response.meta[CHECK_KEY]
        plain: Response = response.meta[PLAIN_KEY]
        result.rendered = True
        seconds = render_seconds(response)
        result.render_ms = round(seconds * 1000) if seconds is not None else None
        page = await asyncio.to_thread(self._read_page, resource, result, response)
        for output in self._page_outputs(resource, result, page, plain, response):
            yield output

    def render_failed(self, failure: Failure) -> Any:
        """The browser could not read the page: the check stands on the plain answer,
        with the reason, and the plain HTML is read as for any page."""
        meta = failure.request.meta
        resource: Resource = meta["resource"]
        result: CheckResult = meta[CHECK_KEY]
        plain: Response = meta[PLAIN_KEY]
        result.render_error = describe_render_failure(failure.value)
        page = self._read_page(resource, result, plain)
        yield from self._page_outputs(resource, result, page, plain, plain)

    def _read_page(self, resource: Resource, result: CheckResult, response: Response) -> ResourcePage:
        selectors = resource.announcements.as_dict() if resource.announcements else None
        return read_resource_page(
            response.body, result.content_type, response.url,
            explicit_feed=resource.feed, selectors=selectors, language=resource.language,
            fetched_at=parse_iso(response.meta["started_at"]),
            max_announcements=self.config.settings.max_announcements,
        )

    def _page_outputs(self, resource: Resource, result: CheckResult, page: ResourcePage, plain: Response,
                      read: Response) -> Iterator[Any]:
        """The check, the announcements and the links of a resource page: `plain` is the
        answer to the check's request, `read` the one whose body was read (the same,
        unless the browser read it)."""
        selectors = resource.announcements.as_dict() if resource.announcements else None
        result.title, result.description, result.main_text = page.title, page.description, page.main_text
        result.main_text_fingerprint = page.fingerprint
        yield result
        links = None
        if page.html is not None:
            if page.feed_url is not None:
                yield self._feed_request(resource, page, plain)
            else:
                yield AnnouncementsResult(resource.slug, "selectors" if selectors else "html",
                                          _as_dicts(page.announcements or []), reason=page.announcements_reason)
            links = extract_links(read.body, read.url, include_assets=self.plan.read_assets)
        response = plain
        # the resource page is a link too: other pages (and itself) may point at it
        as_link = self._link_result(link_spelling(resource.url), "GET", response.request, response, links)
        results = (as_link,)
        if as_link.final_url and as_link.final_url != as_link.url:
            results += (replace(as_link, url=as_link.final_url, redirects=0,
                                result=classify_link(response.status, None, None, redirected=False)),)
        yield from self._outcome(ResourceRead(resource.slug, results, links))

    # -- the plan: outcomes in, requests and results out

    def _outcome(self, outcome: Outcome) -> Iterator[Any]:
        """What the plan makes of an outcome: requests to make and results to store.
        A distributed worker hands the outcome itself to the coordinator, which plans."""
        if self.remote_plan:
            yield outcome
            return
        for output in self.plan.apply(outcome):
            if isinstance(output, Fetch):
                yield self.fetch_request(output)
            elif isinstance(output, SitemapFetch):
                yield self.sitemap_request(output)
            else:
                yield output

    # -- sitemaps: with depth > 0 and sitemap: true, the pages a site lists are level-1 candidates

    def sitemap_request(self, fetch: SitemapFetch) -> scrapy.Request:
        callback = self.robots_for_sitemaps if fetch.url.endswith("/robots.txt") else self.sitemap
        return scrapy.Request(fetch.url, callback=callback, errback=self.sitemap_failed, dont_filter=True,
                              meta={SITEMAP_KEY: fetch, "dont_obey_robotstxt": True})

    def robots_for_sitemaps(self, response: Response) -> Any:
        fetch: SitemapFetch = response.meta[SITEMAP_KEY]
        listed = sitemaps_in_robots(response.text if hasattr(response, "text") else "")
        found = tuple((listed or [site_root(fetch.url) + "/sitemap.xml"])[:MAX_SITEMAPS])
        yield from self._outcome(SitemapRead(fetch, sitemaps=found))

    def sitemap(self, response: Response) -> Any:
        fetch: SitemapFetch = response.meta[SITEMAP_KEY]
        parsed = parse_sitemap(response.body)
        if parsed.kind == "sitemapindex" and fetch.level < 2:
            yield from self._outcome(SitemapRead(fetch, sitemaps=tuple(parsed.locs[:MAX_SITEMAPS])))
        elif parsed.kind == "urlset":
            pages = tuple(url for url in (link_spelling(loc) for loc in parsed.locs) if url)
            yield from self._outcome(SitemapRead(fetch, pages=pages))
        else:
            self.logger.info("not a sitemap: %s", response.url)
            yield from self._outcome(SitemapRead(fetch))

    def sitemap_failed(self, failure: Failure) -> Any:
        fetch: SitemapFetch = failure.request.meta[SITEMAP_KEY]
        if fetch.url.endswith("/robots.txt"):  # no robots.txt: try the conventional place
            yield from self._outcome(SitemapRead(fetch, sitemaps=(site_root(fetch.url) + "/sitemap.xml",)))
            return
        self.logger.info("sitemap %s unavailable: %s", fetch.url, failure.value)
        yield from self._outcome(SitemapRead(fetch))

    # -- link health: each URL once (HEAD, or GET when its body is needed)

    def fetch_request(self, fetch: Fetch) -> scrapy.Request:
        return scrapy.Request(
            fetch.url,
            method=fetch.method,
            callback=self.link_checked,
            errback=self.link_failed,
            priority=fetch.priority,
            dont_filter=True,  # the plan already made each URL unique
            meta={LINK_KEY: fetch, "started_at": _this_second(), "handle_httpstatus_list": [304]},
        )

    def link_checked(self, response: Response) -> Any:
        fetch: Fetch = response.meta[LINK_KEY]
        if FRESH_FLAG in response.flags:
            result = LinkResult(fetch.url, LinkVerdict.OK, response.meta["started_at"], "memory",
                                final_url=response.meta.get(FRESH_FINAL_URL_KEY))
            yield from self._outcome(LinkRead(fetch, result))
            return
        page = None
        if response.status == 304:  # unchanged: what an earlier run read stands in for the body
            page = response.meta.get(REMEMBERED_PAGE_KEY)
        elif (fetch.method == "GET" and 200 <= response.status < 300
              and is_html(_header(response, b"Content-Type"), response.body)):
            if fetch.read:
                page = extract_links(response.body, response.url, include_assets=self.plan.read_assets)
            elif fetch.anchors:
                page = PageLinks((), anchors=page_anchors(response.body))
        result = self._link_result(fetch.url, fetch.method, response.request, response, page)
        if fetch.read and page is not None:
            result.page_links = page.as_record()
            if response.status != 304 and self._renders_followed(fetch.url, response):
                yield self.render_page_request(fetch, response, result, page)
                return
        yield from self._outcome(LinkRead(fetch, result, page if fetch.read else None))

    # -- a followed page of a resource that renders: its links as the browser shows them

    def _renders_followed(self, url: str, response: Response) -> bool:
        if not self.settings.getbool("HEALTH_RENDERING"):
            return False
        if self._render_sites is None:
            modes: dict[str, str] = {}
            for resource in self.config.resources:  # one site, several resources: the most rendering wins
                mode = effective_render(resource, self.config.settings)
                site = site_root(resource.url)
                if RENDER_MODES.index(mode) > RENDER_MODES.index(modes.get(site, "off")):
                    modes[site] = mode
            self._render_sites = modes
        mode = self._render_sites.get(site_root(url), "off")
        return wants_render(mode, _header(response, b"Content-Type"), response.body)

    def render_page_request(self, fetch: Fetch, plain: Response, result: LinkResult,
                            page: PageLinks) -> scrapy.Request:
        """The browser's reading of a followed page; the link's check stays the plain answer."""
        return scrapy.Request(
            plain.url, callback=self.page_rendered, errback=self.page_render_failed, dont_filter=True,
            meta={**render_meta(None, self.config.settings.render_timeout), "started_at": plain.meta["started_at"],
                  RENDER_FETCH_KEY: fetch, CHECK_KEY: result, PLAIN_KEY: page},
        )

    def page_rendered(self, response: Response) -> Any:
        fetch: Fetch = response.meta[RENDER_FETCH_KEY]
        result: LinkResult = response.meta[CHECK_KEY]
        page = extract_links(response.body, response.url, include_assets=self.plan.read_assets)
        result.page_links = page.as_record()
        yield from self._outcome(LinkRead(fetch, result, page))

    def page_render_failed(self, failure: Failure) -> Any:
        meta = failure.request.meta
        self.logger.info("render: %s read without the browser: %s", meta[RENDER_FETCH_KEY].url,
                         describe_render_failure(failure.value))
        yield from self._outcome(LinkRead(meta[RENDER_FETCH_KEY], meta[CHECK_KEY], meta[PLAIN_KEY]))

    def link_failed(self, failure: Failure) -> Any:
        fetch: Fetch = failure.request.meta[LINK_KEY]
        if failure.check(HttpError):
            response = failure.value.response
            if fetch.method == "HEAD" and should_fallback_to_get(response.status, response.headers):
                yield self.fetch_request(replace(fetch, method="GET"))  # the server may not do HEAD right
                return
        if fetch.method == "HEAD" and failure.check(InvalidResponse):
            yield self.fetch_request(replace(fetch, method="GET"))  # a body after a HEAD answer, and the like
            return
        yield from self._outcome(LinkRead(fetch, self._failed_link_result(fetch.url, fetch.method, failure)))

    def _link_result(self, url: str, method: str, request: scrapy.Request, response: Response,
                     page: PageLinks | None) -> LinkResult:
        """A link URL that answered (2xx, 3xx not followed, 304)."""
        hops = request.meta.get(HOPS_KEY, [])
        anchors = sorted(page.anchors) if page is not None and self.plan.keep_anchors else None
        return LinkResult(
            url,
            classify_link(response.status, None, None, redirected=bool(hops)),
            request.meta["started_at"],
            method,
            http_status=response.status,
            final_url=response.url,
            redirects=len(hops),
            response_ms=sum(h["ms"] for h in hops) + latency_ms(request),
            not_modified=response.status == 304,
            anchors=anchors,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )

    def _failed_link_result(self, url: str, method: str, failure: Failure) -> LinkResult:
        """A link URL that answered 4xx/5xx, or did not answer."""
        request = failure.request
        hops = request.meta.get(HOPS_KEY, [])
        if failure.check(HttpError):
            response = failure.value.response
            evidence = bot_block_evidence(response.status, response.headers, response.body[:4096])
            return LinkResult(
                url, classify_link(response.status, None, evidence, redirected=bool(hops)),
                request.meta["started_at"], method, http_status=response.status,
                final_url=response.url, redirects=len(hops), error=http_reason(response.status),
                evidence=evidence, response_ms=sum(h["ms"] for h in hops) + latency_ms(request),
            )
        if failure.check(PrivateAddress):
            return LinkResult(url, LinkVerdict.BLOCKED, request.meta["started_at"], method,
                              redirects=len(hops), error="not requested: private or local address",
                              evidence=str(failure.value))
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            error = "forbidden by robots.txt; not requested"
        else:
            error = self._describe(failure)[1]
        return LinkResult(url, classify_link(None, error, None, redirected=bool(hops)),
                          request.meta["started_at"], method, redirects=len(hops), error=error)

    # -- announcements: an explicit feed, then selectors, then a discovered feed, then the page
    # (chosen in read_resource_page); a feed that fails sends us back to the page.

    def _feed_request(self, resource: Resource, page: ResourcePage, response: Response) -> scrapy.Request:
        return scrapy.Request(
            page.feed_url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            dont_filter=True,
            meta={"resource": resource, "page_html": page.html, "page_url": response.url,
                  "started_at": response.meta["started_at"], "dont_obey_robotstxt": True},
        )

    def parse_feed(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        parsed = parse_feed(response.body, response.url, language=resource.language,
                            fetched_at=parse_iso(response.meta["started_at"]),
                            max_items=self.config.settings.max_announcements)
        if parsed.items:
            yield AnnouncementsResult(resource.slug, "feed", _as_dicts(parsed.items),
                                      feed_url=response.url, warning=parsed.warning)
            return
        warning = f"feed {response.url}: {parsed.warning or 'no items'}; read the page instead"
        yield self._from_page(resource, response.meta["page_html"], response.meta["page_url"],
                              response.meta["started_at"], warning=warning, feed_url=response.url,
                              max_items=self.config.settings.max_announcements)

    def feed_failed(self, failure: Failure) -> Any:
        request = failure.request
        resource: Resource = request.meta["resource"]
        if failure.check(HttpError):
            problem = http_reason(failure.value.response.status)
        else:
            problem = self._describe(failure)[1]
        warning = f"feed {request.url}: {problem}; read the page instead"
        yield self._from_page(resource, request.meta["page_html"], request.meta["page_url"],
                              request.meta["started_at"], warning=warning, feed_url=request.url,
                              max_items=self.config.settings.max_announcements)

    @staticmethod
    def _from_page(resource: Resource, html: str, page_url: str, started_at: str, *,
                   warning: str | None = None, feed_url: str | None = None,
                   max_items: int = DEFAULT_MAX_ITEMS) -> AnnouncementsResult:
        selectors = resource.announcements.as_dict() if resource.announcements else None
        found = read_announcements(html, page_url, language=resource.language, fetched_at=parse_iso(started_at),
                                   selectors=selectors, max_items=max_items)
        return AnnouncementsResult(resource.slug, "selectors" if selectors else "html", _as_dicts(found.items),
                                   feed_url=feed_url, warning=warning, reason=found.reason)

    def failed(self, failure: Failure) -> Any:
        request = failure.request
        resource: Resource = request.meta["resource"]
        if failure.check(HttpError):
            response = failure.value.response
            result = self._result(resource, response.request, response)
            page = parse_page(response.body, result.content_type)
            result.title, result.description = page.title, page.description
            result.error, result.error_kind = http_reason(response.status), "http"
            yield result
        else:
            yield self._failed_check(resource, failure)
        as_link = self._failed_link_result(link_spelling(resource.url), "GET", failure)
        yield from self._outcome(ResourceRead(resource.slug, (as_link,)))

    def _failed_check(self, resource: Resource, failure: Failure) -> CheckResult:
        request = failure.request
        hops = request.meta.get(HOPS_KEY, [])
        kind, message = self._describe(failure)
        return CheckResult(
            resource_id=resource.slug,
            url=resource.url,
            checked_at=request.meta["started_at"],
            final_url=request.url if hops else None,
            redirects=_redirects(hops),
            retries=request.meta.get("retry_times", 0),
            error=message,
            error_kind=kind,
        )

    def _describe(self, failure: Failure) -> tuple[str, str]:
        """(kind, message) for a download that failed, in the limits configured."""
        request = failure.request
        hops = request.meta.get(HOPS_KEY, [])
        return describe_failure(
            failure.value,
            request.url,
            timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT"),
            max_redirects=self.settings.getint("REDIRECT_MAX_TIMES"),
            max_body_bytes=self.settings.getint("DOWNLOAD_MAXSIZE"),
            hop_urls=_hop_urls(hops, request.url),
        )

    @staticmethod
    def _result(resource: Resource, request: scrapy.Request, response: Response) -> CheckResult:
        hops = request.meta.get(HOPS_KEY, [])
        content_type = response.headers.get(b"Content-Type")
        return CheckResult(
            resource_id=resource.slug,
            url=resource.url,
            checked_at=request.meta["started_at"],
            final_url=response.url,
            http_status=response.status,
            redirects=_redirects(hops),
            response_ms=sum(h["ms"] for h in hops) + latency_ms(request),
            content_type=content_type.decode("latin-1") if content_type else None,
            body_bytes=len(response.body),
            tls_expires_at=certificate_expiry(response.certificate) if response.certificate else None,
            retries=request.meta.get("retry_times", 0),
        )


def _as_dicts(items: list[Announcement]) -> list[dict[str, Any]]:
    return [{**asdict(item), "key": announcement_key(item)} for item in items]


class _RefererNotice(logging.Filter):
    """Drops Scrapy's 'found no RefererMiddleware' warning, and nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "RefererMiddleware instance to handle Referer" not in record.getMessage()


MAX_SITEMAPS = 10


def _redirects(hops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The redirect chain as stored: each hop's URL and status, and how it moved
    when that was not an HTTP redirect (a followed <meta http-equiv=refresh>).

    >>> _redirects([{"url": "http://a/", "status": 301, "ms": 5}, {"url": "http://b/", "status": 200, "ms": 1,
    ...             "via": "meta refresh"}])
    [{'url': 'http://a/', 'status': 301}, {'url': 'http://b/', 'status': 200, 'via': 'meta refresh'}]
    """
    return [{"url": h["url"], "status": h["status"], **({"via": h["via"]} if h.get("via") else {})} for h in hops]


def _hop_urls(hops: list[dict[str, Any]], current: str) -> list[str]:
    """The redirect chain ending at `current`, which the last hop may already name
    (HopRecorderMiddleware records a 3xx before RedirectMiddleware gives up).

    >>> _hop_urls([{"url": "http://a/1"}, {"url": "http://a/2"}], "http://a/2")
    ['http://a/1', 'http://a/2']
    """
    urls = [hop["url"] for hop in hops]
    return urls if urls and urls[-1] == current else [*urls, current]


_SECOND: list[Any] = [None, ""]  # the second _this_second last spelled, and its spelling


def _this_second() -> str:
    """iso(utcnow()), spelt once per second rather than for every link request (a
    link check is stamped to the second).

    >>> len(_this_second()), _this_second()[-1]
    (20, 'Z')
    """
    second = int(time.time())
    if second != _SECOND[0]:
        _SECOND[0], _SECOND[1] = second, iso(datetime.fromtimestamp(second, UTC))
    return _SECOND[1]


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
