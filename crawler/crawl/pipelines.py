"""Item pipelines: store every item as it arrives (see crawler.record.recorder)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from crawler.crawl.reactor import running_reactor
from crawler.crawl.shutdown import run_abandoned
from crawler.record.recorder import STORAGE_FAILED, RunRecorder
from crawler.store.database import Store, storage_cause

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
LOSS_STAT = "healthcrawl/lost"  # what the run could not store, as the summary line says it


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
      crawler.crawl.shutdown writes for an abandoned run has them all;
    * closed -- the spider closed (the finish writes the last batch), or the
      shutdown grace ran out (crawler.crawl.shutdown.run_abandoned: the run is closed
      as incomplete at once), or the reactor stopped without either (a second
      signal): the last batch is written before the reactor stops.

    Once a result cannot be stored (a full disk), the spider is closed with the
    reason "storage failed": requests whose results could not be recorded are not
    made. What was lost goes to the stats under ``healthcrawl/lost``.
    """

    def __init__(self, crawler: Crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.recorder: RunRecorder | None = None
        self._timer: Any = None
        self._on_reactor_stop: Any = None
        self._closing: Any = None  # the close this pipeline asked for, once storage failed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler, crawler.settings.get("HEALTH_DB_PATH"))
        crawler.signals.connect(pipeline.run_abandoned, signal=run_abandoned)
        return pipeline

    def open_spider(self) -> None:
        reactor = running_reactor()

        stats = self.crawler.stats
        settings = self.crawler.settings
        store = None
        try:
            store = Store(self.db_path)
            self.recorder = RunRecorder(store, settings["HEALTH_LOADED_CONFIG"],
                                        count=lambda key, by: stats.inc_value(f"healthcrawl/{key}", by),
                                        batch_size=settings.getint("HEALTH_LINK_BATCH_SIZE"),
                                        batch_seconds=settings.getfloat("HEALTH_LINK_BATCH_SECONDS"))
        except Exception as exc:
            cause = storage_cause(exc, Path(self.db_path))
            if cause is None:
                raise
            if store is not None:
                store.close()
            stats.set_value(LOSS_STAT, f"the run could not be recorded: {cause}")
            logger.error("database %s: the run could not be recorded: %s; no request is made", self.db_path, cause)
            raise CloseSpider(STORAGE_FAILED) from None  # Scrapy closes the spider before its first request
        self.recorder.on_loss = self._stop_crawl
        self.crawler.stats.set_value("healthcrawl/run_id", self.recorder.run_id)
        self._timer = create_looping_call(self.recorder.flush)
        self._timer.start(self.recorder.batch_seconds, now=False)
        self._on_reactor_stop = reactor.addSystemEventTrigger("before", "shutdown", self.recorder.flush)

    def process_item(self, item: Any) -> Any:
        if self.recorder is None:  # the run was closed as abandoned: it takes nothing more
            return item
        self.recorder.record(item)
        if not self.crawler.crawling:
            self.recorder.flush()
        return item

    def _stop_crawl(self) -> None:
        """Close the spider (once): what it would still fetch could not be stored."""
        engine = self.crawler.engine
        if self._closing is None and engine is not None and engine.spider is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason=STORAGE_FAILED))
            self._closing.addErrback(lambda failure: logger.debug("closing the spider: %s", failure.value))

    def close_spider(self) -> None:
        self._close(self.crawler.stats.get_value("finish_reason") or "finished")

    def run_abandoned(self) -> None:
        self._close("shutdown")

    def _close(self, reason: str) -> None:
        reactor = running_reactor()

        if self.recorder is None:
            return
        recorder, self.recorder = self.recorder, None
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self._on_reactor_stop is not None:
            reactor.removeSystemEventTrigger(self._on_reactor_stop)
            self._on_reactor_stop = None
        try:
            recorder.finish(reason)
        finally:
            if recorder.loss is not None:
                self.crawler.stats.set_value(LOSS_STAT, recorder.loss)
            recorder.store.close()
