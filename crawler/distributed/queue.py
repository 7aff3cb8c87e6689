"""scrapy-redis queue class over the leased frontier (SCHEDULER_QUEUE_CLASS).

scrapy-redis's Scheduler pops from this queue and pushes redirects and retries
back into it. On pop, the request's callback and errback are wrapped so that
everything they produce (items and new requests) is committed to Redis together
with the end of the request's lease (crawler.distributed.frontier). A redirect
or retry pushed while its parent is leased takes the parent's place in the same
atomic step. The worker keeps every lease it holds alive with a heartbeat.
"""

from __future__ import annotations

import logging
import pickle
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.asyncgen import as_async_generator
from scrapy_redis.queue import Base
from twisted.internet import task

from crawler.distributed.frontier import Frontier, LeaseLost, decode_request, encode_request

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

logger = logging.getLogger(__name__)

LEASE_KEY = "healthcrawl_lease"
ORIGINAL = "__healthcrawl_original__"


class LeasedQueue(Base):
    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.frontier = Frontier(server, settings.get("HEALTH_REDIS_PREFIX"))
        self.lease_seconds = settings.getfloat("HEALTH_LEASE_SECONDS")
        self.held: set[str] = set()
        self.stats = spider.crawler.stats
        self._heartbeat = task.LoopingCall(self.heartbeat)
        self._heartbeat.start(max(0.5, self.lease_seconds / 3), now=False)

    def __len__(self) -> int:
        return self.frontier.counts()["queued"]

    def heartbeat(self) -> None:
        """Push the deadline of every lease this worker holds forward."""
        try:
            self.frontier.extend(self.held, self.lease_seconds)
        except Exception as exc:  # a Redis hiccup must not stop the heartbeat
            logger.warning("could not extend leases: %s", exc)

    def push(self, request: Request) -> None:
        parent = request.meta.pop(LEASE_KEY, None)
        original = getattr(request.callback, ORIGINAL, None)
        if original is not None:
            request = request.replace(callback=original[0], errback=original[1])
        data = encode_request(request, self.spider)
        if parent is None:
            self.frontier.push(data, -request.priority)
            return
        self.held.discard(parent)
        try:
            self.frontier.commit(parent, [(data, -request.priority)], [])
        except LeaseLost:
            self._lost(parent)

    def pop(self, timeout: int = 0) -> Request | None:
        leased = self.frontier.lease(self.lease_seconds)
        if leased is None:
            return None
        token, data = leased
        request = decode_request(data, self.spider)
        request.meta[LEASE_KEY] = token
        self.held.add(token)
        wrapped = self._committing(request.callback, token), self._committing(request.errback, token)
        for function in wrapped:
            setattr(function, ORIGINAL, (request.callback, request.errback))
        request.callback, request.errback = wrapped
        return request

    def _committing(self, function: Callable[..., Any] | None, token: str) -> Callable[..., Any]:
        """`function`, whose outputs are committed with the end of the lease `token`
        instead of being handed to Scrapy's pipelines and scheduler."""

        async def run(result: Any, **kwargs: Any) -> AsyncIterator[Any]:
            outputs: list[Any] = []
            try:
                if function is not None:
                    async for output in as_async_generator(function(result, **kwargs)):
                        outputs.append(output)
                elif hasattr(result, "raiseException"):
                    logger.warning("request failed without an errback: %s", result.value)
            except Exception:
                logger.exception("spider error while processing %s", getattr(result, "url", result))
            self.commit(token, outputs)
            return
            yield  # an async generator that produces nothing for Scrapy

        return run

    def commit(self, token: str, outputs: list[Any]) -> None:
        requests: list[tuple[bytes, float]] = [(encode_request(o, self.spider), -o.priority) for o in outputs
                                               if isinstance(o, Request)]
        items = [pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) for o in outputs
                 if o is not None and not isinstance(o, Request)]
        self.held.discard(token)
        try:
            self.frontier.commit(token, requests, items)
        except LeaseLost:
            self._lost(token)
            return
        self.stats.inc_value("healthcrawl/distributed/committed")
        self.stats.inc_value("healthcrawl/distributed/items", len(items))

    def _lost(self, token: str) -> None:
        self.stats.inc_value("healthcrawl/distributed/lease_lost")
        logger.warning("lease %s expired before its results were committed; another worker redoes it", token)

    def clear(self) -> None:
        """Never called with SCHEDULER_PERSIST; a worker must not wipe the shared queue."""
