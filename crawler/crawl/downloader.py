"""Scrapy's downloader with its per-host concurrency cap actually held.

Scrapy 2.19's ``Downloader._process_queue`` pops requests off a slot's queue while
``slot.free_transfer_slots() > 0``, but a request only counts as transferring once
its download coroutine starts; under the asyncio reactor that is after the loop
has ended, so one call can start every queued request for a host at once. The
benchmark's server (``bench/web.py``) saw up to 19 requests in flight on one host
with ``concurrency_per_host: 4``. Here a request takes its place in
``slot.transferring`` when it is popped; ``Downloader._download`` adding it again is
harmless (a set) and still frees it when the download ends.

The override is a copy of Scrapy's private ``_process_queue`` with that one line
added (and the download started with the public ``deferred_from_coro`` where Scrapy
uses its private ``_schedule_coro``); it calls the private ``_latercall`` and
``_wait_for_download``. tests/test_scrapy_internals.py records the source of each
and fails when Scrapy's changes: then compare this copy with the new one.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

from crawler.crawl.hotpath import LeanDownloaderMiddlewareManager

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler


class PoliteDownloader(Downloader):
    """A request moves queued -> transferring (counted against the host's cap from
    the moment it is popped) -> done (freed by ``_download``). Its middlewares are
    called through crawler.crawl.hotpath.LeanDownloaderMiddlewareManager."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        LeanDownloaderMiddlewareManager.adopt(self.middleware)

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
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the coroutine starts
            deferred_from_coro(self._wait_for_download(slot, request, queue_dfd))  # settles queue_dfd
            if delay:  # one request per delay: no burst
                self._process_queue(slot)
                break

