"""Turn the spider's raw facts into stored history, one item at a time.

Shared by the single-process crawl (through crawler.pipelines.StoragePipeline)
and the distributed coordinator (crawler.distributed.coordinator), so a run gives
the same database however it was crawled.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawler.classify import classify
from crawler.history import in_maintenance
from crawler.items import AnnouncementsResult, CheckResult, LinkPageResult, LinkResult
from crawler.timeline import day_of, record_content, record_incident, refresh_daily
from crawler.timeutil import utcnow

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.config import Config
    from crawler.storage import Store

logger = logging.getLogger(__name__)


class RunRecorder:
    """Owns one run's row from its start to its finish: classifies each check and
    stores every item the moment it arrives (committed at once, so a killed run
    keeps it). What it stores is counted through `count(key, by)` under keys such
    as ``checks/up`` and ``links/broken`` (the crawl sends them to Scrapy's stats)."""

    def __init__(self, store: Store, config: Config, *, count: Callable[[str, int], None] | None = None):
        self.store = store
        self.config = config
        self.resources = {resource.slug: resource for resource in config.resources}
        self.run_id = store.start_run(config)
        self.counters: dict[str, int] = {}
        self._on_count = count

    def _count(self, key: str, by: int = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + by
        if self._on_count is not None:
            self._on_count(key, by)

    def record(self, item: Any) -> None:
        if isinstance(item, CheckResult):
            self._store_check(item)
        elif isinstance(item, AnnouncementsResult):
            self.store.record_announcements(self.run_id, item.resource_id, item.items, source=item.source,
                                            feed_url=item.feed_url, warning=item.warning)
            self._count("announcements", len(item.items))
        elif isinstance(item, LinkPageResult):
            self.store.record_link_page(self.run_id, item.resource_id, item.page, item.depth,
                                        item.sources, item.skipped, item.outlinks)
            self._count("link_pages")
        elif isinstance(item, LinkResult):
            self._store_link(item)
        else:
            logger.warning("not a healthcrawl item, not stored: %r", type(item).__name__)

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
        self._count(f"checks/{status}")

    def _store_link(self, item: LinkResult) -> None:
        previous = self.store.record_link_check(self.run_id, item.to_dict())
        old = previous.get("last_final_url") if previous else None
        if old and item.final_url and old != item.final_url and item.method != "memory":
            self.store.record_event(self.run_id, resource_id=None, kind="link-moved",
                                    url=item.url, old=old, new=item.final_url)
        self._count(f"links/{item.result}")

    def finish(self, reason: str) -> dict[str, int]:
        """Close the run: complete only if the crawl finished and every resource
        has its check."""
        checked = sum(self.store.run_counts(self.run_id).values())
        complete = reason == "finished" and checked == len(self.config.resources)
        counts = self.store.finish_run(self.run_id, complete=complete, reason=reason)
        logger.info("run %s finished (%s): %s", self.run_id, reason, counts)
        return counts
