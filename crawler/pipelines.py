"""Item pipelines: classify each check and store every item the moment it arrives."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.classify import classify
from crawler.history import in_maintenance
from crawler.items import AnnouncementsResult, CheckResult, LinkPageResult, LinkResult
from crawler.storage import Store
from crawler.timeline import day_of, record_content, record_incident, refresh_daily
from crawler.timeutil import utcnow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from crawler.config import Config, Resource

logger = logging.getLogger(__name__)


class StoragePipeline:
    """Owns the run's row: opens it when the spider opens, stores each check and
    each resource's announcements as they arrive (committed at once), and closes
    it with counts when the spider closes. The run is complete only if the crawl
    finished and every resource has its check."""

    def __init__(self, crawler: Crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.store: Store | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.get("HEALTH_DB_PATH"))

    @property
    def config(self) -> Config:
        return self.crawler.settings["HEALTH_LOADED_CONFIG"]

    @property
    def resources(self) -> dict[str, Resource]:
        return {resource.slug: resource for resource in self.config.resources}

    def open_spider(self) -> None:
        self.store = Store(self.db_path)
        self.run_id = self.store.start_run(self.config)
        self.crawler.stats.set_value("healthcrawl/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        assert self.store is not None and self.run_id is not None
        if isinstance(item, CheckResult):
            self._store_check(item)
        elif isinstance(item, AnnouncementsResult):
            self.store.record_announcements(self.run_id, item.resource_id, item.items, source=item.source,
                                            feed_url=item.feed_url, warning=item.warning)
            self.crawler.stats.inc_value("healthcrawl/announcements", len(item.items))
        elif isinstance(item, LinkPageResult):
            self.store.record_link_page(self.run_id, item.resource_id, item.page, item.depth,
                                        item.sources, item.skipped)
            self.crawler.stats.inc_value("healthcrawl/link_pages")
        elif isinstance(item, LinkResult):
            self._store_link(item)
        return item

    def _store_check(self, item: CheckResult) -> None:
        store, run_id, now = self.store, self.run_id, utcnow()
        resource = self.resources[item.resource_id]
        status, reasons = classify(item, self.config.settings, now, expect=resource.expect)
        maintenance = in_maintenance(now, resource.maintenance)
        if maintenance:
            reasons = [*reasons, "in a maintenance window: not counted in uptime or alerts"]
        previous = store.previous_final_url(item.resource_id, run_id)
        if previous and item.final_url and previous != item.final_url:
            store.record_event(run_id, resource_id=item.resource_id, kind="moved",
                               url=item.url, old=previous, new=item.final_url)
        row = {**item.to_dict(), "status": status, "reasons": reasons, "maintenance": int(maintenance)}
        text = row.pop("main_text")
        row["fingerprint"] = record_content(store, run_id, item.resource_id, item.url, text=text,
                                            title=item.title) if status != "down" else None
        store.record_check(run_id, row)
        record_incident(store, run_id, item.resource_id, row)
        refresh_daily(store, item.resource_id, day_of(row["checked_at"]))
        self.crawler.stats.inc_value(f"healthcrawl/checks/{status}")

    def _store_link(self, item: LinkResult) -> None:
        previous = self.store.record_link_check(self.run_id, item.to_dict())
        old = previous.get("last_final_url") if previous else None
        if old and item.final_url and old != item.final_url and item.method != "memory":
            self.store.record_event(self.run_id, resource_id=None, kind="link-moved",
                                    url=item.url, old=old, new=item.final_url)
        self.crawler.stats.inc_value(f"healthcrawl/links/{item.result}")

    def close_spider(self) -> None:
        if self.store is None or self.run_id is None:
            return
        checked = sum(self.store.run_counts(self.run_id).values())
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        complete = reason == "finished" and checked == len(self.config.resources)
        counts = self.store.finish_run(self.run_id, complete=complete, reason=reason)
        logger.info("run %s finished (%s): %s", self.run_id, reason, counts)
        self.store.close()
