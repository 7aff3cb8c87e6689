"""Scrapy's downloader with its per-host concurrency cap actually held, and one
asyncio future per request where Scrapy chained Deferreds.

The cap. Scrapy 2.19's ``Downloader._process_queue`` pops requests off a slot's
queue while ``slot.free_transfer_slots() > 0``, but a request only counts as
transferring once its download coroutine starts; under the asyncio reactor that is
after the loop has ended, so one call can start every queued request for a host at
once. The benchmark's server (``bench/web.py``) saw up to 19 requests in flight on
one host with ``concurrency_per_host: 4``. Here a request takes its place in
``slot.transferring`` when it is popped; ``Downloader._download`` adding it again is
harmless (a set) and still frees it when the download ends.

The futures. Between the engine and the download handler Scrapy's downloader made,
for every request, an inlineCallbacks generator (``fetch``), a Deferred wrapping the
middleware coroutine, a Deferred for the slot queue turned into a future to be
awaited, and a Deferred wrapping the download task. Here ``fetch`` is one coroutine
(the engine still gets a Deferred) and the slot queue holds an asyncio future that
the download task settles.

A middleware may also ask to see each request only when it goes to the network and
when its download ends, whatever the outcome (``before_sending`` and ``after_sending``):
a distributed worker takes and gives back its shared per-host slot there
(crawler.distributed.hostlimit), so a request waiting behind this worker's own limit
holds no slot in Redis.

``fetch``, ``_enqueue_request`` and ``_process_queue`` are copies of Scrapy's private
code with those changes, and ``_answer`` does what its ``_wait_for_download`` did; they
call the private ``_get_slot``, ``_latercall`` and ``_download``.
tests/test_scrapy_internals.py records the source of each and fails when Scrapy's
changes: then compare these copies with the new code.
"""

from __future__ import annotations

import asyncio
from time import monotonic
from typing import TYPE_CHECKING, Any, cast

from scrapy import signals
from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

from crawler.crawl.hotpath import LeanDownloaderMiddlewareManager

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    """A request moves queued -> transferring (counted against the host's cap from
    the moment it is popped) -> done (freed by ``_download``, its future settled).
    Its middlewares are called through crawler.crawl.hotpath.LeanDownloaderMiddlewareManager."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        LeanDownloaderMiddlewareManager.adopt(self.middleware)
        self._downloads: set[asyncio.Task[None]] = set()  # asyncio keeps only weak references to tasks
        # Middlewares that must see a request only once this downloader lets it go to the
        # network (a distributed worker's shared per-host limit: crawler.distributed.hostlimit)
        self._before_sending = [middleware.before_sending for middleware in self.middleware.middlewares
                                if hasattr(middleware, "before_sending")]
        self._after_sending = [middleware.after_sending for middleware in self.middleware.middlewares
                               if hasattr(middleware, "after_sending")]

    def fetch(self, request: Request, spider: Spider | None = None) -> Deferred[Response | Request]:
        # Active from this call until the engine holds the outcome, as in Scrapy's (whose
        # inlineCallbacks removed it in the same callback chain that handed the outcome
        # on). The engine asks whether the crawl is idle right after this call, and
        # between any two loop callbacks: a request removed when the coroutine ended,
        # before the Deferred fired one callback later, left a gap in which a redirect
        # the middlewares returned was in no queue, and the crawl closed without it
        # (a meta refresh loop's resource left unchecked under load).
        self.active.add(request)
        fetched = deferred_from_coro(self.middleware.download_async(self._enqueue_request, request))
        return fetched.addBoth(self._handed_on, request)

    def _handed_on(self, outcome: Any, request: Request) -> Any:
        """The request leaves `active` in the callback chain that gives the engine its
        outcome (a Response, a Request to schedule, or a Failure)."""
        self.active.remove(request)
        return outcome

    async def _enqueue_request(self, request: Request) -> Response:
        key, slot = self._get_slot(request)
        request.meta[self.DOWNLOAD_SLOT] = key
        slot.active.add(request)
        self.signals.send_catch_log(signal=signals.request_reached_downloader, request=request,
                                    spider=self.crawler.spider)
        answer: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        slot.queue.append((request, cast("Any", answer)))  # Scrapy's queue holds Deferreds; only this class reads it
        self._process_queue(slot)
        try:
            return await answer  # settled in _answer()
        finally:
            slot.active.remove(request)

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a delayed call will process the queue
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, answer = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the coroutine starts
            task = asyncio.get_running_loop().create_task(self._answer(slot, request, cast("Any", answer)))
            self._downloads.add(task)
            task.add_done_callback(self._downloads.discard)
            if delay:  # one request per delay: no burst
                self._process_queue(slot)
                break

    async def _answer(self, slot: Slot, request: Request, answer: asyncio.Future[Response]) -> None:
        """Download `request` and settle the future its _enqueue_request awaits (unless
        that was cancelled meanwhile: the engine stopped)."""
        try:
            for gate in self._before_sending:
                await gate(request)
        except BaseException as exc:
            slot.transferring.discard(request)  # _download, which frees it, will not run
            self._process_queue(slot)
            if not isinstance(exc, Exception):
                raise
            if not answer.done():
                answer.set_exception(exc)
            return
        try:
            try:
                response = await self._download(slot, request)
            finally:
                for release in self._after_sending:
                    release(request)
        except Exception as exc:
            if not answer.done():
                answer.set_exception(exc)
        else:
            if not answer.done():
                answer.set_result(response)
