"""scrapy-playwright's download handler with healthcrawl's guards.

Its own module so that Playwright is imported only by a run that renders: the
Scrapy settings name this class (`browser_settings`), and nothing else imports it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.utils.misc import build_from_crawler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.crawl.handler import AiohttpHandler
from crawler.crawl.render import BLOCKED_TYPES, PAGE_KEY, RenderLimit, browser_memory
from crawler.crawl.safety import is_private_address, listed_hosts

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RenderHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler with healthcrawl's guards: a hard deadline and a
    closed page for every render, the address guard on every browser request, and a
    browser restarted when it grows too big. A request that is not rendered goes to the
    crawl's HTTP handler (crawler.crawl.handler), as in a run that renders nothing, not
    to the Twisted client scrapy-playwright inherits."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.render_timeout = settings.getfloat("HEALTH_RENDER_TIMEOUT", 30.0)
        self.memory_limit = settings.getint("HEALTH_RENDER_MEMORY_MB", 1500) * 1024 * 1024
        self.block_private = settings.getbool("HEALTH_BLOCK_PRIVATE_ADDRESSES")
        self.listed_hosts = listed_hosts(settings.get("HEALTH_LOADED_CONFIG"))
        self.abort_request = self.abort
        self.max_body = settings.getint("DOWNLOAD_MAXSIZE")
        self._resolved: dict[str, bool] = {}
        self._rendering = 0
        self._slots = asyncio.Semaphore(settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") or 2)
        self.peak_memory = 0
        self._plain: AiohttpHandler | None = None  # built at the first plain request, in the running loop

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            if self._plain is None:
                self._plain = build_from_crawler(AiohttpHandler, self.crawler)
            return await self._plain.download_request(request)
        async with self._slots:  # the deadline runs from when the page may open, not while it waits its turn
            self._rendering += 1
            started = time.monotonic()
            try:
                response = await asyncio.wait_for(super().download_request(request),
                                                  timeout=self.render_timeout + 2)
            except TimeoutError as exc:
                raise RenderLimit(f"the page did not finish loading within {self.render_timeout:g} s "
                                    "(render_timeout)") from exc
            finally:
                self._rendering -= 1
                page = request.meta.pop(PAGE_KEY, None)
                if page is not None:
                    with suppress(Exception):
                        await asyncio.wait_for(page.close(), timeout=5)
                await self._restart_if_too_big()
        request.meta["download_latency"] = time.monotonic() - started
        if self.max_body and len(response.body) > self.max_body:
            raise RenderLimit(f"the rendered page is {len(response.body)} bytes, over max_body_bytes "
                                f"({self.max_body})")
        return response

    async def close(self) -> None:
        if self._plain is not None:
            await self._plain.close()
        await super().close()

    async def abort(self, request: Any) -> bool:
        """Whether the browser must not make this request: images, media and fonts,
        URLs that are not http(s), and (block_private_addresses) hosts that resolve to
        private or local addresses, unless a listed resource lives on that host."""
        if request.resource_type in BLOCKED_TYPES:
            return True
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            return parts.scheme not in ("data", "blob", "about")
        if not self.block_private:
            return False
        host = parts.hostname or ""
        if host in self.listed_hosts:
            return False
        if host not in self._resolved:
            self._resolved[host] = await _resolves_private(host)
        if self._resolved[host]:
            logger.info("render: refused %s (block_private_addresses)", request.url)
        return self._resolved[host]

    async def _restart_if_too_big(self) -> None:
        """Between pages, a browser over render_memory_mb is closed; scrapy-playwright
        launches a fresh one for the next page."""
        used = browser_memory()
        self.peak_memory = max(self.peak_memory, used)
        if used > self.memory_limit and self._rendering == 0 and hasattr(self, "browser"):
            logger.warning("render: the browser uses %d MB, over render_memory_mb; restarting it", used >> 20)
            with suppress(Exception):
                await self.browser.close()


async def _resolves_private(host: str) -> bool:
    if is_private_address(host):
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the page's own request fails as the browser reports it
    return any(is_private_address(str(info[4][0])) for info in infos)
