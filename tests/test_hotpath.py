"""crawler/crawl/hotpath.py keeps Scrapy's behaviour while it skips work: every
receiver still gets its signal, every kind of middleware method (plain, coroutine,
old-style Deferred, asking for the spider) is still called and its result still
checked, and a callback's output still reaches the scraper in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydispatch import dispatcher
from scrapy import Request, Spider
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.exceptions import _InvalidOutput
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.defer import succeed

from crawler.crawl.hotpath import (
    LeanDownloaderMiddlewareManager,
    LeanSignalManager,
    LeanSpiderMiddlewareManager,
    sequential_spider_output,
)

# -- signals ------------------------------------------------------------------------------


@pytest.mark.parametrize("sender_any, signal_any", [(False, False), (False, True), (True, False), (True, True)])
def test_signal_reaches_receivers_connected_for_it_or_for_any(sender_any, signal_any):
    sender, signal, other = object(), object(), object()
    manager = LeanSignalManager(sender)
    got: list[Any] = []

    def receiver(value: Any) -> str:
        got.append(value)
        return "ok"

    assert manager.send_catch_log(signal, value=0) == []  # nobody listens yet
    dispatcher.connect(receiver, signal=dispatcher.Any if signal_any else signal,
                       sender=dispatcher.Any if sender_any else sender)
    try:
        assert manager.send_catch_log(signal, value=1) == [(receiver, "ok")]
        assert asyncio.run(manager.send_catch_log_async(signal, value=2)) == [(receiver, "ok")]
        # a receiver of one signal does not make another one sent
        assert manager.send_catch_log(other, value=3) == ([(receiver, "ok")] if signal_any else [])
    finally:
        dispatcher.disconnect(receiver, signal=dispatcher.Any if signal_any else signal,
                              sender=dispatcher.Any if sender_any else sender)
    assert got == [1, 2, 3] if signal_any else got == [1, 2]
    assert manager.send_catch_log(signal, value=4) == []  # disconnected


# -- downloader middlewares --------------------------------------------------------------

old_style = pytest.mark.filterwarnings("ignore:.*returned a Deferred, this is deprecated")


class _Plain:
    def __init__(self, log: list[str]):
        self.log = log

    def process_request(self, request: Request) -> None:
        self.log.append("plain request")

    def process_response(self, request: Request, response: Response) -> Response:
        self.log.append("plain response")
        return response


class _Coroutine:
    def __init__(self, log: list[str]):
        self.log = log

    async def process_request(self, request: Request) -> None:
        await asyncio.sleep(0)
        self.log.append("coroutine request")

    async def process_response(self, request: Request, response: Response) -> Response:
        self.log.append("coroutine response")
        return response.replace(status=203)

    async def process_exception(self, request: Request, exception: Exception) -> Response:
        self.log.append(f"coroutine exception {exception}")
        return Response(request.url, status=299, request=request)


class _OldStyle:
    """A Deferred result and a required spider argument: deprecated, still honoured."""

    def __init__(self, log: list[str]):
        self.log = log

    def process_request(self, request: Request, spider: Spider) -> Any:
        self.log.append(f"old request for {spider.name}")
        return succeed(None)


def _manager(*middlewares: Any) -> LeanDownloaderMiddlewareManager:
    crawler = get_crawler(Spider)
    crawler.spider = Spider("lean")
    with pytest.warns(Warning):  # Scrapy warns about _OldStyle's spider argument when it is added
        return LeanDownloaderMiddlewareManager.adopt(DownloaderMiddlewareManager(*middlewares, crawler=crawler))


@old_style
def test_every_kind_of_middleware_method_is_called_in_order():
    log: list[str] = []
    manager = _manager(_OldStyle(log), _Plain(log), _Coroutine(log))
    request = Request("http://example.test/")

    async def download(request: Request) -> Response:
        log.append("download")
        return Response(request.url, status=200, request=request)

    response = asyncio.run(manager.download_async(download, request))
    assert response.status == 203  # the coroutine middleware's replacement
    assert log == ["old request for lean", "plain request", "coroutine request", "download",
                   "coroutine response", "plain response"]


@old_style
def test_an_exception_goes_to_process_exception():
    log: list[str] = []
    manager = _manager(_OldStyle(log), _Coroutine(log))

    async def fail(request: Request) -> Response:
        raise ConnectionError("refused")

    response = asyncio.run(manager.download_async(fail, Request("http://example.test/")))
    assert response.status == 203  # 299 from process_exception, then process_response's replacement
    assert "coroutine exception refused" in log


@old_style
def test_a_middleware_returning_something_else_is_refused():
    class Wrong:
        def process_request(self, request: Request) -> Any:
            return "not a response"

    async def download(request: Request) -> Response:
        raise AssertionError("not reached")

    with pytest.raises(_InvalidOutput, match="must return None, Response or Request"):
        asyncio.run(_manager(_OldStyle([]), Wrong()).download_async(download, Request("http://example.test/")))


# -- spider output -----------------------------------------------------------------------


def test_output_is_handed_on_in_order_sync_and_async():
    seen: list[tuple[str, int]] = []

    async def parallel(*args: Any, **kwargs: Any) -> None:
        seen.append(("parallel", args[1]))

    async def handle(item: int, tag: str) -> None:
        await asyncio.sleep(0)
        seen.append((tag, item))

    async def numbers() -> Any:
        for n in (4, 5):
            yield n

    run = sequential_spider_output(parallel)
    asyncio.run(run(iter([1, 2, 3]), 1, handle, "sync"))
    asyncio.run(run(numbers(), 1, handle, "async"))
    asyncio.run(run(iter([6]), 16, handle, "many"))  # CONCURRENT_ITEMS > 1: Scrapy's own
    assert seen == [("sync", 1), ("sync", 2), ("sync", 3), ("async", 4), ("async", 5), ("parallel", 16)]


# -- spider middlewares ------------------------------------------------------------------


class _InputCheck:
    """A spider middleware with only process_spider_input and process_spider_exception
    (as HttpErrorMiddleware): the lean output path applies."""

    def __init__(self, log: list[str]):
        self.log = log

    def process_spider_input(self, response: Response) -> None:
        self.log.append(f"input {response.status}")

    def process_spider_exception(self, response: Response, exception: Exception) -> Any:
        self.log.append(f"exception {exception}")
        return ["recovered"] if isinstance(exception, LookupError) else None


def _spider_manager(*middlewares: Any) -> SpiderMiddlewareManager:
    crawler = get_crawler(Spider)
    crawler.spider = Spider("lean")
    return LeanSpiderMiddlewareManager.adopt(SpiderMiddlewareManager(*middlewares, crawler=crawler))


def _collect(manager: SpiderMiddlewareManager, callback_output: Any) -> list[Any]:
    async def scrape(response: Response, request: Request) -> Any:
        return callback_output()

    async def run() -> list[Any]:
        request = Request("http://example.test/")
        output = await manager.scrape_response_async(scrape, Response(request.url, request=request), request)
        return [item async for item in output]

    return asyncio.run(run())


def test_callback_output_is_handed_on_and_exceptions_reach_the_middlewares():
    log: list[str] = []
    manager = _spider_manager(_InputCheck(log))
    assert isinstance(manager, LeanSpiderMiddlewareManager)

    def fine() -> Any:
        yield from (1, 2)

    def broken() -> Any:
        yield 1
        raise LookupError("gone")

    def unhandled() -> Any:
        yield 1
        raise ValueError("bad")

    assert _collect(manager, fine) == [1, 2]
    assert _collect(manager, broken) == [1, "recovered"]
    with pytest.raises(ValueError, match="bad"):
        _collect(manager, unhandled)
    assert log == ["input 200", "input 200", "exception gone", "input 200", "exception bad"]


def test_a_middleware_that_processes_output_keeps_scrapys_path():
    class Doubling:
        async def process_spider_output(self, response: Response, result: Any) -> Any:
            async for item in result:
                yield item * 2

    manager = _spider_manager(Doubling())
    assert type(manager) is SpiderMiddlewareManager
    assert _collect(manager, lambda: iter([1, 2])) == [2, 4]
