"""Extensions: the crawl's start and finish in its stats, and the status page and
exports written once the crawl has closed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals

from crawler.report.writer import write_reports
from crawler.store.database import Store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunTimes:
    """Scrapy's CoreStats without its per-response and per-item counters: start_time,
    finish_time, elapsed_time_seconds and finish_reason, in the crawl's stats as
    CoreStats writes them. Counting every response and item made Scrapy dispatch two
    signals per link check that nothing else reads (4% of the instructions of a link
    check, bench/cpu.py); healthcrawl counts what it checked under ``healthcrawl/``
    (crawler.crawl.pipelines) and logs it (crawler.crawl.progress.ProgressLog)."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats
        self._started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self._started = monotonic()
        self.stats.set_value("start_time", datetime.now(tz=UTC))

    def spider_closed(self, reason: str) -> None:
        self.stats.set_value("elapsed_time_seconds", monotonic() - self._started)
        self.stats.set_value("finish_time", datetime.now(tz=UTC))
        self.stats.set_value("finish_reason", reason)


class ReportWriter:
    """On spider_closed (after the storage pipeline has closed the run), rebuild
    index.html and status.json from the database, so `scrapy crawl` and
    `healthcrawl run` leave the same outputs."""

    def __init__(self, db_path: str, out_dir: str):
        self.db_path = db_path
        self.out_dir = out_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler.settings.get("HEALTH_DB_PATH"), crawler.settings.get("HEALTH_REPORT_DIR"))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        with Store(self.db_path) as store:
            written = write_reports(store, self.out_dir)
        logger.info("report written: %s", ", ".join(str(p) for p in written))
