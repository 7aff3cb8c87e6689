"""A per-host concurrency limit that holds across every worker process.

Before a request goes to the network it takes one of the host's
``concurrency_per_host`` slots in Redis (a sorted set of holders); the slot is given
back with the response or the error, and a killed worker's slots lapse as soon
as it stops renewing its liveness key. Scrapy's own per-domain limit still holds
within each worker. Slots are keyed by host name, as Scrapy's download slots are.

The slot is taken by the downloader (crawler.crawl.downloader.PoliteDownloader calls
``before_sending``) once the worker's own per-host limit has let the request through,
not when the request enters the downloader: there, every request queued in the
worker waited for a Redis slot, polling (about 4.7 attempts per request with one
worker, and the host's slot idle between a release and the next poll).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import task

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# KEYS[1]: the host's holders ("WORKER TOKEN", scored by a hard expiry). ARGV: limit,
# hard ttl, holder, prefix of the workers' liveness keys. A holder whose worker's
# liveness key has lapsed (the worker was killed) frees its slot at once.
ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
for _, holder in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local worker = string.match(holder, '^(%S+) ')
  if redis.call('EXISTS', ARGV[4] .. worker) == 0 then redis.call('ZREM', KEYS[1], holder) end
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0
"""
SLOT_KEY = "healthcrawl_host_slot"
logger = logging.getLogger(__name__)


class SharedHostLimitMiddleware:
    def __init__(self, server: Any, prefix: str, limit: int, ttl: float, alive_seconds: float):
        self.server = server
        self.prefix = prefix
        self.limit = limit
        self.ttl = ttl
        self.alive_seconds = alive_seconds
        self.worker = uuid.uuid4().hex
        self._acquire = server.register_script(ACQUIRE)
        self._alive = task.LoopingCall(self._beat)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("no REDIS_URL: not a distributed worker")
        ttl = settings.getfloat("DOWNLOAD_TIMEOUT") + 30  # a hard bound, even for a live worker
        middleware = cls(get_redis_from_settings(settings), settings.get("HEALTH_REDIS_PREFIX"),
                         settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), ttl,
                         settings.getfloat("HEALTH_LEASE_SECONDS"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        self._beat()
        self._alive.start(max(0.3, self.alive_seconds / 3), now=False)

    def spider_closed(self) -> None:
        if self._alive.running:
            self._alive.stop()
        self.server.delete(self._alive_key)

    @property
    def _alive_key(self) -> str:
        return f"{self.prefix}:alive:{self.worker}"

    def _beat(self) -> None:
        """While this worker lives, its slots are its own; when it stops beating they lapse."""
        try:
            self.server.set(self._alive_key, 1, px=int(self.alive_seconds * 1000))
        except Exception as exc:
            logger.warning("could not renew this worker's host slots: %s", exc)

    async def before_sending(self, request: Request) -> None:
        """Wait for one of the host's shared slots (the downloader calls this)."""
        key = f"{self.prefix}:host:{urlparse_cached(request).hostname}"
        token = uuid.uuid4().hex
        wait = 0.005
        holder = f"{self.worker} {token}"
        while not self._acquire(keys=[key], args=[self.limit, self.ttl, holder, f"{self.prefix}:alive:"]):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.05)
        request.meta[SLOT_KEY] = (key, holder)

    def after_sending(self, request: Request) -> None:
        """Give the slot back as soon as the download ends (the downloader calls this),
        before the next request for the host asks for one."""
        self._release(request)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)  # already given back by after_sending, unless the download never ran
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(SLOT_KEY, None)
        if held is not None:
            self.server.zrem(*held)
