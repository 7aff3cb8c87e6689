"""Scrapy's per-request machinery, trimmed to what a link check uses.

A link check is one small request and one small callback, so what Scrapy does
around every request weighs as much as the check itself. Each piece here keeps
Scrapy's behaviour and drops work whose result nobody reads. What each one buys, in
instructions per request of a whole run (`python -m bench.cpu --links 1000
--callgrind`, each piece turned off in turn; start-up and the report weigh about
half of that total at 1k links, so the share of a link check's own cost is larger):

* LeanSignalManager (2.2%): a signal nobody listens to is not dispatched. Scrapy
  sends about six per request (request_scheduled, request_reached_downloader,
  response_downloaded, request_left_downloader, ...); pydispatch looked up four
  receiver tables for each, to find none.
* LeanStatsCollector (1.8%): Scrapy's StatsCollector wraps every method on every
  call in a check for the deprecated ``spider`` argument; the methods still take it.
* QuietLogFormatter (0.6%): the "Crawled (200) <GET ...>" and "Scraped from ..."
  records are built only when they would be logged (-vv), not for every request and
  item.
* sequential_spider_output (3.3%): with CONCURRENT_ITEMS = 1, Scrapy still ran each
  callback's output through a queue and two tasks; the items go one after another
  either way.
* LeanDownloaderMiddlewareManager (1.4%, and 0.5% more for awaiting only what is not
  final): each downloader middleware method is called directly, not through a
  coroutine made for every result.
* LeanSpiderMiddlewareManager (about 2%): a callback's output goes to the scraper
  through one generator, not five nested ones.

Each relies on Scrapy's code as it is in 2.19; tests/test_scrapy_internals.py
records what each reads or replaces and fails when an upgrade changes it.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any, cast

from pydispatch import dispatcher  # type: ignore[import-untyped]
from scrapy import signals
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.exceptions import _InvalidOutput
from scrapy.http import Request, Response
from scrapy.logformatter import LogFormatter
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.defer import _process_pending_io, ensure_awaitable
from scrapy.utils.python import global_object_name

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterable

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure


class LeanSignalManager(SignalManager):
    """Scrapy's SignalManager, which returns at once (no receivers, no results) for a
    signal that has no receiver for this sender or for any sender."""

    def has_receivers(self, signal: Any) -> bool:
        """What pydispatch's getAllReceivers would find: receivers connected for
        (this sender or Any) x (this signal or Any). An empty list may linger after a
        disconnect; then the signal is sent as before and reaches no one."""
        connections = dispatcher.connections
        for key in (id(self.sender), id(dispatcher.Any)):
            table = connections.get(key)
            if table and (signal in table or dispatcher.Any in table):
                return True
        return False

    def send_catch_log(self, signal: Any, **kwargs: Any) -> list[tuple[Any, Any]]:
        if not self.has_receivers(signal):
            return []
        return super().send_catch_log(signal, **kwargs)

    async def send_catch_log_async(self, signal: Any, **kwargs: Any) -> list[tuple[Any, Any]]:
        if not self.has_receivers(signal):
            return []
        return await super().send_catch_log_async(signal, **kwargs)


def use_lean_signals(crawler: Crawler) -> None:
    """Give `crawler` a LeanSignalManager before its components are built (they keep a
    reference to crawler.signals). The connections live in pydispatch, keyed by the
    sender (the crawler), so receivers connected earlier are kept."""
    crawler.signals = LeanSignalManager(crawler.signals.sender)


class LeanStatsCollector(MemoryStatsCollector):
    """MemoryStatsCollector without StatsCollector.__getattribute__, which wrapped each
    method on each call to warn about a ``spider`` argument (the methods still accept
    it, so scrapy-redis's calls work as before, without the warning)."""

    __getattribute__ = object.__getattribute__


class QuietLogFormatter(LogFormatter):
    """Scrapy's LogFormatter; the DEBUG records of every response and item are built
    only when their logger would emit them (a None result is Scrapy's "do not log")."""

    # Scrapy types these as always returning a record; its engine and scraper take None
    # as "do not log" (documented for LogFormatter's methods).
    def crawled(  # type: ignore[override]
            self, request: Request, response: Response, spider: Spider) -> LogFormatterResult | None:
        if not _ENGINE_LOG.isEnabledFor(logging.DEBUG):
            return None
        return super().crawled(request, response, spider)

    def scraped(  # type: ignore[override]
            self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult | None:
        if not _SCRAPER_LOG.isEnabledFor(logging.DEBUG):
            return None
        return super().scraped(item, response, spider)


_ENGINE_LOG = logging.getLogger("scrapy.core.engine")  # where Scrapy logs what crawled() returns
_SCRAPER_LOG = logging.getLogger("scrapy.core.scraper")  # and what scraped() returns


def sequential_spider_output(parallel: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., Any]:
    """scrapy.core.scraper._parallel_asyncio, which with a count of 1 hands each output
    to the callable in turn, without a queue and two tasks per response."""

    async def run(iterable: Iterable[Any] | AsyncIterator[Any], count: int,
                  callable_: Callable[..., Coroutine[Any, Any, None]], *args: Any, **kwargs: Any) -> None:
        if count != 1:
            await parallel(iterable, count, callable_, *args, **kwargs)
            return
        if hasattr(iterable, "__aiter__"):
            async for item in iterable:
                await callable_(item, *args, **kwargs)
        else:
            for item in iterable:
                await callable_(item, *args, **kwargs)

    run.__wrapped__ = parallel  # type: ignore[attr-defined]
    return run


def use_sequential_spider_output() -> None:
    """Scrapy's Scraper calls the module-level _parallel_asyncio of scrapy.core.scraper
    for each callback's output; with CONCURRENT_ITEMS = 1 it becomes a plain loop."""
    from scrapy.core import scraper

    if not hasattr(scraper._parallel_asyncio, "__wrapped__"):
        scraper._parallel_asyncio = sequential_spider_output(scraper._parallel_asyncio)


class LeanDownloaderMiddlewareManager(DownloaderMiddlewareManager):
    """Scrapy's DownloaderMiddlewareManager, with each middleware method called
    directly: a coroutine function's result is awaited, and any other result that is
    None, a Response or a Request is used as it is. Scrapy wrapped every result in a
    coroutine (ensure_awaitable) and named the method for a warning (global_object_name)
    on every call, about a dozen times per request. Anything else, such as the Deferred
    of an old-style middleware, still goes through ensure_awaitable with the warning.

    ``_process_request``, ``_process_response`` and ``_process_exception`` are copies of
    Scrapy's private methods with that dispatch (tests/test_scrapy_internals.py)."""

    _lean: dict[str, list[tuple[Callable[..., Any], bool, bool]]]

    @classmethod
    def adopt(cls, manager: DownloaderMiddlewareManager) -> LeanDownloaderMiddlewareManager:
        """Turn the manager Scrapy's Downloader built into this class, once its
        middlewares are in place (building a second manager would build every
        middleware twice)."""
        manager.__class__ = cls
        lean = cast("LeanDownloaderMiddlewareManager", manager)
        lean._lean = {
            name: [(method, inspect.iscoroutinefunction(method), method in lean._mw_methods_requiring_spider)
                   for method in lean.methods.get(name, ()) if method is not None]
            for name in ("process_request", "process_response", "process_exception")
        }
        return lean

    @staticmethod
    def _settled(method: Callable[..., Any], is_coroutine: bool, result: Any) -> Any:
        """What to await for a result that is not final yet (a coroutine, a Deferred),
        or None when `result` is final: None, a Response or a Request."""
        if is_coroutine:
            return result
        if result is None or isinstance(result, Response | Request):
            return None
        return ensure_awaitable(result, _warn=global_object_name(method))

    async def _process_request(self, request: Request,
                               download_func: Callable[[Request], Coroutine[Any, Any, Response]]) -> Response | Request:
        for method, is_coroutine, wants_spider in self._lean["process_request"]:
            response = method(request=request, spider=self._spider) if wants_spider else method(request=request)
            pending = self._settled(method, is_coroutine, response)
            if pending is not None:
                response = await pending
            if response is not None and not isinstance(response, Response | Request):
                raise _InvalidOutput(f"Middleware {method.__qualname__} must return None, Response or "
                                     f"Request, got {response.__class__.__name__}")
            if response:
                return response
        return await download_func(request)

    async def _process_response(self, response: Response | Request, request: Request) -> Response | Request:
        if response is None:
            raise TypeError("Received None in process_response")
        if isinstance(response, Request):
            return response
        for method, is_coroutine, wants_spider in self._lean["process_response"]:
            if wants_spider:
                response = method(request=request, response=response, spider=self._spider)
            else:
                response = method(request=request, response=response)
            pending = self._settled(method, is_coroutine, response)
            if pending is not None:
                response = await pending
            if not isinstance(response, Response | Request):
                raise _InvalidOutput(f"Middleware {method.__qualname__} must return Response or Request, "
                                     f"got {type(response)}")
            if isinstance(response, Request):
                return response
        return response

    async def _process_exception(self, exception: Exception, request: Request | Response) -> Response | Request:
        for method, is_coroutine, wants_spider in self._lean["process_exception"]:
            if wants_spider:
                response = method(request=request, exception=exception, spider=self._spider)
            else:
                response = method(request=request, exception=exception)
            pending = self._settled(method, is_coroutine, response)
            if pending is not None:
                response = await pending
            if response is not None and not isinstance(response, Response | Request):
                raise _InvalidOutput(f"Middleware {method.__qualname__} must return None, Response or "
                                     f"Request, got {type(response)}")
            if response:
                return response
        raise exception


class LeanSpiderMiddlewareManager(SpiderMiddlewareManager):
    """Scrapy's SpiderMiddlewareManager; when no spider middleware has a
    process_spider_output (healthcrawl's case: HttpErrorMiddleware only checks the
    input), a callback's output is handed on through one async generator, not the
    five Scrapy nests around it for every response (as_async_generator, the
    exception guard, two MutableAsyncChains and their chains). An exception raised
    while the output is read still goes to the process_spider_exception chain, from
    the first middleware, as in Scrapy's _evaluate_iterable.

    ``scrape_response_async`` is a copy of Scrapy's with that output path
    (tests/test_scrapy_internals.py)."""

    @classmethod
    def adopt(cls, manager: SpiderMiddlewareManager) -> SpiderMiddlewareManager:
        """Turn the manager Scrapy's Scraper built into this class, when no middleware
        processes the output (else it is left as it is)."""
        if not any(method is not None for method in manager.methods["process_spider_output"]):
            manager.__class__ = cls
        return manager

    async def scrape_response_async(self, scrape_func: Any, response: Response, request: Request) -> Any:
        try:
            output = await self._process_spider_input(scrape_func, response, request)
        except Exception as ex:
            await _process_pending_io()
            return self._process_spider_exception(response, ex)
        return self._handed_on(response, output)

    async def _handed_on(self, response: Response, output: Iterable[Any] | AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            if hasattr(output, "__aiter__"):
                async for item in output:
                    yield item
            else:
                for item in output:
                    yield item
        except Exception as ex:
            if getattr(ex, "_spidermw_unhandled", False):
                raise
            async for item in self._process_spider_exception(response, ex, 0):
                yield item


def use_lean_spider_output(crawler: Crawler) -> None:
    """Once the engine is built (it builds the scraper and its middleware manager),
    give the scraper a LeanSpiderMiddlewareManager."""

    def engine_started() -> None:
        assert crawler.engine is not None
        LeanSpiderMiddlewareManager.adopt(crawler.engine.scraper.spidermw)

    crawler.signals.connect(engine_started, signal=signals.engine_started, weak=False)
