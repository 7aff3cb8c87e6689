"""Extensions: write the status page and exports once the crawl has closed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals

from crawler.report.writer import write_reports
from crawler.store.database import Store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
