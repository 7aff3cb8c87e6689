"""A per-host concurrency limit that holds across every worker process.

Before a request goes to the network it takes one of the host's
``concurrency_per_host`` slots in Redis (a sorted set of holders, each with an
expiry, so a killed worker's slots come back by themselves); the slot is given
back with the response or the error. Scrapy's own per-domain limit still holds
within each worker. Slots are keyed by host name, as Scrapy's download slots are.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0
"""
SLOT_KEY = "healthcrawl_host_slot"


class SharedHostLimitMiddleware:
    def __init__(self, server: object, prefix: str, limit: int, ttl: float):
        self.server = server
        self.prefix = prefix
        self.limit = limit
        self.ttl = ttl
        self._acquire = server.register_script(ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("no REDIS_URL: not a distributed worker")
        ttl = settings.getfloat("DOWNLOAD_TIMEOUT") + 30
        return cls(get_redis_from_settings(settings), settings.get("HEALTH_REDIS_PREFIX", "healthcrawl"),
                   settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), ttl)

    async def process_request(self, request: Request) -> None:
        key = f"{self.prefix}:host:{urlparse_cached(request).hostname}"
        token = uuid.uuid4().hex
        wait = 0.005
        while not self._acquire(keys=[key], args=[self.limit, self.ttl, token]):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.05)
        request.meta[SLOT_KEY] = (key, token)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(SLOT_KEY, None)
        if held is not None:
            self.server.zrem(*held)
