"""Item pipelines: store every item the moment it arrives (see crawler.recorder)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.recorder import RunRecorder
from crawler.storage import Store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class StoragePipeline:
    """Opens the run when the spider opens, hands each item to a RunRecorder
    (classified and committed at once), and closes the run with its counts when
    the spider closes. Counts also go to the crawl's stats under ``healthcrawl/``."""

    def __init__(self, crawler: Crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.recorder: RunRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get("HEALTH_DB_PATH"))

    def open_spider(self) -> None:
        stats = self.crawler.stats
        self.recorder = RunRecorder(Store(self.db_path), self.crawler.settings["HEALTH_LOADED_CONFIG"],
                                    count=lambda key, by: stats.inc_value(f"healthcrawl/{key}", by))
        self.crawler.stats.set_value("healthcrawl/run_id", self.recorder.run_id)

    def process_item(self, item: Any) -> Any:
        assert self.recorder is not None
        self.recorder.record(item)
        return item

    def close_spider(self) -> None:
        if self.recorder is None:
            return
        try:
            self.recorder.finish(self.crawler.stats.get_value("finish_reason") or "finished")
        finally:
            self.recorder.store.close()
