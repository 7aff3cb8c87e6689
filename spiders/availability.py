"""Fetch every configured resource once and yield what happened. No verdicts here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import UsageError
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.classify import describe_failure, http_reason
from crawler.config import ConfigError, load_config
from crawler.extract.page import parse_page
from crawler.items import CheckResult
from crawler.middlewares import HOPS_KEY, latency_ms
from crawler.settings import apply_crawl_settings
from crawler.timeutil import iso, utcnow
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
