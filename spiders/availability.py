"""Fetch every configured resource once and yield what happened. No verdicts here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, replace
from urllib.parse import urlsplit
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.classify import describe_failure, http_reason
from crawler.config import ConfigError, load_config
from crawler.extract.announcements import Announcement, announcement_key, extract_announcements
from crawler.extract.feeds import parse_feed
from crawler.extract.links import PageLinks, extract_links, page_anchors, same_site
from crawler.extract.sitemaps import parse_sitemap, sitemaps_in_robots
from crawler.extract.linkstatus import bot_block_evidence, classify_link, should_fallback_to_get
from crawler.extract.page import is_html, parse_page
from crawler.extract.resource_page import ResourcePage, read_resource_page
from crawler.items import AnnouncementsResult, CheckResult, LinkPageResult, LinkResult
from crawler.linkplan import PLAN_OWNER_KEY, LinkPlanner, LinkTask
from crawler.middlewares import CONFIRM_KEY, FRESH_FLAG, HOPS_KEY, LINK_KEY, REMEMBERED_PAGE_KEY, latency_ms
from crawler.safety import PrivateAddress
from crawler.settings import apply_crawl_settings
from crawler.timeutil import iso, parse_iso, utcnow
from crawler.tlsinfo import certificate_expiry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from crawler.config import Config, Resource


class AvailabilitySpider(scrapy.Spider):
    """Checks each resource in the file named by HEALTH_CONFIG."""

    name = "availability"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Load resources.yaml before the crawler starts, so its `settings:` block
        shapes timeouts and concurrency, and a bad file stops us before any request."""
        super().update_settings(settings)
        try:
            config = load_config(settings.get("HEALTH_CONFIG"))
        except ConfigError as exc:
            raise UsageError(str(exc), print_help=False) from None
        apply_crawl_settings(settings, config.settings)
        settings.set("HEALTH_LOADED_CONFIG", config, priority="spider")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.planner = LinkPlanner()
        # Failures these loggers report are recorded in the check itself (a link whose host
        # is down also fails its robots.txt fetch; an oversized or cut-off body is the
        # check's error); on stderr they would only fill cron mail.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        for name in ("scrapy.core.downloader.handlers.http11", "scrapy.core.downloader.handlers._base_streaming"):
            logging.getLogger(name).setLevel(logging.ERROR)

    @property
    def config(self) -> Config:
        return self.settings["HEALTH_LOADED_CONFIG"]

    async def start(self) -> AsyncIterator[Any]:
        for resource in self.config.resources:
            self.planner.count_page(resource)
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
        selectors = resource.announcements.as_dict() if resource.announcements else None
        page = await asyncio.to_thread(
            read_resource_page, response.body, result.content_type, response.url,
            explicit_feed=resource.feed, selectors=selectors, language=resource.language,
            fetched_at=parse_iso(response.meta["started_at"]),
        )
        result.title, result.description, result.main_text = page.title, page.description, page.main_text
        yield result
        if page.html is None:
            return  # not a page (PDF, image...): nothing to read on it
        if page.feed_url is not None:
            yield self._feed_request(resource, page, response)
        else:
            yield AnnouncementsResult(resource.slug, "selectors" if selectors else "html",
                                      _as_dicts(page.announcements or []))
        for output in self._links_of_page(resource, response, depth=0):
            yield output
        if resource.depth > 0 and resource.sitemap:
            yield self._sitemap_request(_site_root(resource.url) + "/robots.txt", resource,
                                        callback=self.robots_for_sitemaps)

    # -- sitemaps: with depth > 0 and sitemap: true, the pages a site lists are crawled too

    def _sitemap_request(self, url: str, resource: Resource, callback: Any, level: int = 0) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.sitemap_failed, dont_filter=True,
                              meta={"resource": resource, "sitemap_level": level, "dont_obey_robotstxt": True})

    def robots_for_sitemaps(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        listed = sitemaps_in_robots(response.text if hasattr(response, "text") else "")
        for url in (listed or [_site_root(resource.url) + "/sitemap.xml"])[:MAX_SITEMAPS]:
            yield self._sitemap_request(url, resource, self.sitemap)

    def sitemap(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        level = response.meta["sitemap_level"]
        parsed = parse_sitemap(response.body)
        if parsed.kind == "sitemapindex" and level < 2:
            for url in parsed.locs[:MAX_SITEMAPS]:
                yield self._sitemap_request(url, resource, self.sitemap, level + 1)
        elif parsed.kind == "urlset":
            pages = [url for url in parsed.locs if same_site(url, resource.url)]
            plan = self.planner.plan_urls(resource, pages, depth=0, owner=response.meta.get(PLAN_OWNER_KEY, ""))
            yield LinkPageResult(resource.slug, response.url, 0, plan.sources, plan.skipped)
            for task in plan.tasks:
                yield self._link_request(task)
        else:
            self.logger.info("not a sitemap: %s", response.url)

    def sitemap_failed(self, failure: Failure) -> Any:
        request = failure.request
        resource: Resource = request.meta["resource"]
        if request.url.endswith("/robots.txt"):  # no robots.txt: try the conventional place
            yield self._sitemap_request(_site_root(resource.url) + "/sitemap.xml", resource, self.sitemap)
            return
        self.logger.info("sitemap %s unavailable: %s", request.url, failure.value)

    # -- link health: plan each page's links, check each URL once (HEAD, GET when needed)

    def _links_of_page(self, resource: Resource, response: Response, depth: int,
                       links: PageLinks | None = None) -> Any:
        if links is None:
            links = extract_links(response.body, response.url, include_assets=resource.check_assets)
        plan = self.planner.plan(resource, links, depth, owner=response.meta.get(PLAN_OWNER_KEY, ""))
        yield LinkPageResult(resource.slug, response.url, depth, plan.sources, plan.skipped, links.as_record())
        for task in plan.tasks:
            yield self._link_request(task)

    def _link_request(self, task: LinkTask) -> scrapy.Request:
        return scrapy.Request(
            task.url,
            method=task.method,
            callback=self.link_checked,
            errback=self.link_failed,
            dont_filter=True,  # the planner already made each URL unique
            meta={LINK_KEY: task, "started_at": iso(utcnow()), "handle_httpstatus_list": [304]},
        )

    def link_checked(self, response: Response) -> Any:
        task: LinkTask = response.meta[LINK_KEY]
        if FRESH_FLAG in response.flags:
            yield LinkResult(task.url, "ok", response.meta["started_at"], "memory",
                             final_url=response.meta.get("healthcrawl_fresh_final_url"))
            return
        hops = response.meta.get(HOPS_KEY, [])
        html = task.method == "GET" and is_html(_header(response, b"Content-Type"), response.body)
        # an unchanged page (304): what an earlier run read on it stands in for its body
        remembered = response.meta.get(REMEMBERED_PAGE_KEY) if response.status == 304 else None
        if html and task.anchors:
            anchors = sorted(page_anchors(response.body))
        else:
            anchors = sorted(remembered.anchors) if remembered is not None and task.anchors else None
        yield LinkResult(
            task.url,
            classify_link(response.status, None, None, redirected=bool(hops)),
            response.meta["started_at"],
            task.method,
            http_status=response.status,
            final_url=response.url,
            redirects=len(hops),
            response_ms=sum(h["ms"] for h in hops) + latency_ms(response.request),
            not_modified=response.status == 304,
            anchors=anchors,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        if task.follow and response.status == 304 and remembered is not None:
            yield from self._links_of_page(task.resource, response, task.depth + 1, links=remembered)
        elif html and task.follow and response.status != 304:
            yield from self._links_of_page(task.resource, response, task.depth + 1)

    def link_failed(self, failure: Failure) -> Any:
        request = failure.request
        task: LinkTask = request.meta[LINK_KEY]
        hops = request.meta.get(HOPS_KEY, [])
        if failure.check(HttpError):
            response = failure.value.response
            if task.method == "HEAD" and should_fallback_to_get(response.status, response.headers):
                yield self._link_request(replace(task, method="GET"))  # the server may not do HEAD right
                return
            evidence = bot_block_evidence(response.status, response.headers, response.body[:4096])
            yield LinkResult(
                task.url, classify_link(response.status, None, evidence, redirected=bool(hops)),
                request.meta["started_at"], task.method, http_status=response.status,
                final_url=response.url, redirects=len(hops), error=http_reason(response.status),
                evidence=evidence, response_ms=sum(h["ms"] for h in hops) + latency_ms(request),
            )
            return
        if failure.check(PrivateAddress):
            yield LinkResult(task.url, "blocked", request.meta["started_at"], task.method,
                             redirects=len(hops), error="not requested: private or local address",
                             evidence=str(failure.value))
            return
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            error = "forbidden by robots.txt; not requested"
        else:
            error = self._describe(failure)[1]
        yield LinkResult(task.url, classify_link(None, error, None, redirected=bool(hops)),
                         request.meta["started_at"], task.method, redirects=len(hops), error=error)

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
                            fetched_at=parse_iso(response.meta["started_at"]))
        if parsed.items:
            yield AnnouncementsResult(resource.slug, "feed", _as_dicts(parsed.items),
                                      feed_url=response.url, warning=parsed.warning)
            return
        warning = f"feed {response.url}: {parsed.warning or 'no items'}; read the page instead"
        yield self._from_page(resource, response.meta["page_html"], response.meta["page_url"],
                              response.meta["started_at"], warning=warning, feed_url=response.url)

    def feed_failed(self, failure: Failure) -> Any:
        request = failure.request
        resource: Resource = request.meta["resource"]
        if failure.check(HttpError):
            problem = http_reason(failure.value.response.status)
        else:
            problem = self._describe(failure)[1]
        warning = f"feed {request.url}: {problem}; read the page instead"
        yield self._from_page(resource, request.meta["page_html"], request.meta["page_url"],
                              request.meta["started_at"], warning=warning, feed_url=request.url)

    @staticmethod
    def _from_page(resource: Resource, html: str, page_url: str, started_at: str, *,
                   warning: str | None = None, feed_url: str | None = None) -> AnnouncementsResult:
        selectors = resource.announcements.as_dict() if resource.announcements else None
        items = extract_announcements(html, page_url, language=resource.language,
                                      fetched_at=parse_iso(started_at), selectors=selectors)
        return AnnouncementsResult(resource.slug, "selectors" if selectors else "html", _as_dicts(items),
                                   feed_url=feed_url, warning=warning)

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
            return
        hops = request.meta.get(HOPS_KEY, [])
        kind, message = self._describe(failure)
        yield CheckResult(
            resource_id=resource.slug,
            url=resource.url,
            checked_at=request.meta["started_at"],
            final_url=request.url if hops else None,
            redirects=[{"url": h["url"], "status": h["status"]} for h in hops],
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
            redirects=[{"url": h["url"], "status": h["status"]} for h in hops],
            response_ms=sum(h["ms"] for h in hops) + latency_ms(request),
            content_type=content_type.decode("latin-1") if content_type else None,
            body_bytes=len(response.body),
            tls_expires_at=certificate_expiry(response.certificate) if response.certificate else None,
            retries=request.meta.get("retry_times", 0),
        )


def _as_dicts(items: list[Announcement]) -> list[dict[str, Any]]:
    return [{**asdict(item), "key": announcement_key(item)} for item in items]


MAX_SITEMAPS = 10


def _hop_urls(hops: list[dict[str, Any]], current: str) -> list[str]:
    """The redirect chain ending at `current`, which the last hop may already name
    (HopRecorderMiddleware records a 3xx before RedirectMiddleware gives up).

    >>> _hop_urls([{"url": "http://a/1"}, {"url": "http://a/2"}], "http://a/2")
    ['http://a/1', 'http://a/2']
    """
    urls = [hop["url"] for hop in hops]
    return urls if urls and urls[-1] == current else [*urls, current]


def _site_root(url: str) -> str:
    """
    >>> _site_root("https://a.example:8443/x/y?z")
    'https://a.example:8443'
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
