"""Item pipelines: store every item as it arrives (see crawler.recorder)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.asyncio import create_looping_call

from crawler.recorder import RunRecorder
from crawler.storage import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class StoragePipeline:
    """Opens the run when the spider opens, hands each item to a RunRecorder, and
    closes the run with its counts when the spider closes. Counts also go to the
    crawl's stats under ``healthcrawl/``.

    The recorder commits checks at once and link results in batches; the pipeline
    makes sure no batch waits long or outlives the crawl:

    * crawling -- a timer writes whatever is pending every `batch_seconds`, so
      results stored while nothing else arrives are committed within that time;
    * stopping -- after SIGINT/SIGTERM (Scrapy's graceful stop: `crawler.crawling`
      is off) each link result is written as it arrives, so the report that
      crawler.shutdown writes for an abandoned run has them all;
    * closed -- the spider closed (the finish writes the last batch), or the
      reactor stopped without closing it (the shutdown grace ran out, a second
      signal): the last batch is written before the reactor stops.
    """

    def __init__(self, crawler: Crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.recorder: RunRecorder | None = None
        self._timer: Any = None
        self._on_reactor_stop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get("HEALTH_DB_PATH"))

    def open_spider(self) -> None:
        from twisted.internet import reactor

        stats = self.crawler.stats
        self.recorder = RunRecorder(Store(self.db_path), self.crawler.settings["HEALTH_LOADED_CONFIG"],
                                    count=lambda key, by: stats.inc_value(f"healthcrawl/{key}", by))
        self.crawler.stats.set_value("healthcrawl/run_id", self.recorder.run_id)
        self._timer = create_looping_call(self.recorder.flush)
        self._timer.start(self.recorder.batch_seconds, now=False)
        self._on_reactor_stop = reactor.addSystemEventTrigger("before", "shutdown", self.recorder.flush)

    def process_item(self, item: Any) -> Any:
        assert self.recorder is not None
        self.recorder.record(item)
        if not self.crawler.crawling:
            self.recorder.flush()
        return item

    def close_spider(self) -> None:
        from twisted.internet import reactor

        if self.recorder is None:
            return
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self._on_reactor_stop is not None:
            reactor.removeSystemEventTrigger(self._on_reactor_stop)
            self._on_reactor_stop = None
        try:
            self.recorder.finish(self.crawler.stats.get_value("finish_reason") or "finished")
        finally:
            self.recorder.store.close()
