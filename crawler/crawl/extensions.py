"""Extensions: the crawl's start and finish in its stats, and the status page and
exports written once the crawl has closed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from time import monotonic
from typing import TYPE_CHECKING

from scrapy import signals

from crawler.report.writer import report_failure, write_reports
from crawler.store.database import Store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
REPORT_ERROR_STAT = "healthcrawl/report_error"  # why the report was not written, when it was not


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
    `healthcrawl run` leave the same outputs. A report that cannot be written (a
    read-only folder, a full disk) is one error line, and its reason goes to the
    stats under ``healthcrawl/report_error``, so the summary never claims it."""

    def __init__(self, crawler: Crawler, db_path: str, out_dir: str):
        self.crawler = crawler
        self.db_path = db_path
        self.out_dir = out_dir

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, crawler.settings.get("HEALTH_DB_PATH"), crawler.settings.get("HEALTH_REPORT_DIR"))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        write_report_or_say_why(self.crawler, self.db_path, self.out_dir)


def write_report_or_say_why(crawler: Crawler, db_path: str, out_dir: str, run_id: int | None = None) -> None:
    """Write the report; when it cannot be, log why in one line and keep the reason
    in the stats (REPORT_ERROR_STAT) for the summary."""
    try:
        with Store(db_path) as store:
            written = write_reports(store, out_dir, run_id)
    except Exception as exc:
        problem = report_failure(exc, db_path)
        if problem is None:
            raise
        logger.error("report not written: %s", problem)
        if crawler.stats is not None:
            crawler.stats.set_value(REPORT_ERROR_STAT, problem)
        return
    logger.info("report written: %s", ", ".join(str(p) for p in written))
