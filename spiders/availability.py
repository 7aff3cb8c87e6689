"""Fetch every configured resource once and yield what happened. No verdicts here."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import UsageError
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.classify import describe_failure, http_reason
from crawler.config import ConfigError, load_config
from crawler.extract.announcements import Announcement, announcement_key, extract_announcements
from crawler.extract.feeds import discover_feeds, parse_feed
from crawler.extract.page import decode_html, is_html, parse_page
from crawler.items import AnnouncementsResult, CheckResult
from crawler.middlewares import HOPS_KEY, latency_ms
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

    @property
    def config(self) -> Config:
        return self.settings["HEALTH_LOADED_CONFIG"]

    async def start(self) -> AsyncIterator[Any]:
        for resource in self.config.resources:
            yield scrapy.Request(
                resource.url,
                callback=self.parse,
                errback=self.failed,
                dont_filter=True,  # two resources may share a URL; each gets its check
                meta={"resource": resource, "started_at": iso(utcnow())},
            )

    def parse(self, response: Response) -> Any:
        resource: Resource = response.meta["resource"]
        result = self._result(resource, response.request, response)
        page = parse_page(response.body, result.content_type)
        result.title, result.description = page.title, page.description
        yield result
        if is_html(result.content_type, response.body):
            yield self._announcements_request_or_result(resource, response, result.content_type)

    # -- announcements: an explicit feed, then selectors, then a discovered feed, then the page

    def _announcements_request_or_result(
        self, resource: Resource, response: Response, content_type: str | None
    ) -> scrapy.Request | AnnouncementsResult:
        html = decode_html(response.body, content_type)[1]
        feed_url = resource.feed
        if feed_url is None and resource.announcements is None:
            discovered = discover_feeds(html, response.url)
            feed_url = discovered[0] if discovered else None
        if feed_url is None:
            return self._from_page(resource, html, response.url, response.meta["started_at"])
        return scrapy.Request(
            feed_url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            dont_filter=True,
            meta={"resource": resource, "page_html": html, "page_url": response.url,
                  "started_at": response.meta["started_at"]},
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
            problem = describe_failure(
                failure.value, request.url, timeout=self.settings.getfloat("DOWNLOAD_TIMEOUT"),
                max_redirects=self.settings.getint("REDIRECT_MAX_TIMES"),
                max_body_bytes=self.settings.getint("DOWNLOAD_MAXSIZE"),
            )[1]
        warning = f"feed {request.url}: {problem}; read the page instead"
        yield self._from_page(resource, request.meta["page_html"], request.meta["page_url"],
                              request.meta["started_at"], warning=warning, feed_url=request.url)

    @staticmethod
    def _from_page(resource: Resource, html: str, page_url: str, started_at: str, *,
                   warning: str | None = None, feed_url: str | None = None) -> AnnouncementsResult:
        selectors = resource.announcements.as_dict() if resource.announcements else None
        items = extract_announcements(html, page_url, language=resource.language,
                                      fetched_at=parse_iso(started_at), selectors=selectors)
        return AnnouncementsResult(resource.slug, "html", _as_dicts(items), feed_url=feed_url,
                                   warning=warning)

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
        settings = self.settings
        hops = request.meta.get(HOPS_KEY, [])
        kind, message = describe_failure(
            failure.value,
            request.url,
            timeout=settings.getfloat("DOWNLOAD_TIMEOUT"),
            max_redirects=settings.getint("REDIRECT_MAX_TIMES"),
            max_body_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
            hop_urls=[hop["url"] for hop in hops] + [request.url],
        )
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
