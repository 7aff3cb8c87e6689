"""Turn the spider's raw facts into stored history, item by item (link results
in batches).

Shared by the single-process crawl (through crawler.crawl.pipelines.StoragePipeline)
and the distributed coordinator (crawler.distributed.coordinator), so a run gives
the same database however it was crawled.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.core.classify import classify
from crawler.core.items import AnnouncementsResult, CheckResult, LinkPageResult, LinkResult
from crawler.core.maintenance import in_maintenance
from crawler.core.timeutil import utcnow
from crawler.core.vocabulary import EventKind
from crawler.record.timeline import day_of, record_content, record_incident, refresh_daily

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.core.config import Config
    from crawler.store.database import Store

logger = logging.getLogger(__name__)
LINK_BATCH_SIZE = 500  # link results written per transaction, at most
LINK_BATCH_SECONDS = 1.0  # and the longest a link result waits for its transaction


class RunRecorder:
    """Owns one run's row from its start to its finish and classifies each check.

    Resource checks and announcements are committed the moment they arrive. A
    link result or crawled page (tens of thousands a run) moves through:

    * pending -- held in memory with the batch it arrived in;
    * flushed -- written with its whole batch in one transaction, when the batch
      reaches `batch_size` results, when a result arrives and the batch is
      `batch_seconds` old, when `flush_if_due()` (the crawl's timer, the
      coordinator's loop) finds it that old, when a resource check arrives (the
      batch is committed first), and when the run finishes;
    * lost -- only if the process dies while it is pending (at most the last
      `batch_seconds` or `batch_size` results), or if its batch cannot be
      written (logged, counted under ``links/unstored``).

    So a committed check implies every link result that arrived before it is
    committed too. What it stores is counted through `count(key, by)` under keys
    such as ``checks/up`` and ``links/broken`` (the crawl sends them to Scrapy's
    stats)."""

    def __init__(self, store: Store, config: Config, *, count: Callable[[str, int], None] | None = None,
                 batch_size: int = LINK_BATCH_SIZE, batch_seconds: float = LINK_BATCH_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.config = config
        self.resources = {resource.slug: resource for resource in config.resources}
        self.run_id = store.start_run(config)
        self.counters: dict[str, int] = {}
        self._on_count = count
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self._clock = clock
        self._pending: list[LinkResult] = []
        self._pending_pages: list[LinkPageResult] = []
        self._pending_since = 0.0

    def _count(self, key: str, by: int = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + by
        if self._on_count is not None:
            self._on_count(key, by)

    def record(self, item: Any) -> None:
        if isinstance(item, LinkResult):
            self._hold(self._pending, item)
        elif isinstance(item, CheckResult):
            self.flush()
            self._store_check(item)
        elif isinstance(item, AnnouncementsResult):
            self.store.record_announcements(self.run_id, item.resource_id, item.items, source=item.source,
                                            feed_url=item.feed_url, warning=item.warning, reason=item.reason)
            self._count("announcements", len(item.items))
        elif isinstance(item, LinkPageResult):
            self._hold(self._pending_pages, item)
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
            store.record_event(run_id, resource_id=item.resource_id, kind=EventKind.MOVED,
                               url=item.url, old=previous, new=item.final_url)
        row = {**item.to_dict(), "status": status, "reasons": reasons, "maintenance": int(maintenance)}
        text = row.pop("main_text")
        row["fingerprint"] = record_content(store, run_id, item.resource_id, item.url, text=text,
                                            title=item.title) if status != "down" else None
        store.record_check(run_id, row)
        record_incident(store, run_id, item.resource_id, row)
        refresh_daily(store, item.resource_id, day_of(row["checked_at"]))
        self._count(f"checks/{status}")

    def _hold(self, pending: list[Any], item: Any) -> None:
        if not self._pending and not self._pending_pages:
            self._pending_since = self._clock()
        pending.append(item)
        held = len(self._pending) + len(self._pending_pages)
        if held >= self.batch_size or self._clock() - self._pending_since >= self.batch_seconds:
            self.flush()

    def flush_if_due(self) -> None:
        """Write the pending batch if its oldest item has waited `batch_seconds`:
        for callers that tick while no item arrives."""
        if (self._pending or self._pending_pages) and self._clock() - self._pending_since >= self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the pending link results and pages in one transaction, with a
        'link-moved' event for each link that now ends somewhere else than last
        time (one query reads where they ended before). A batch that cannot be
        written is logged and dropped, so it holds back neither the next check
        nor the run's finish."""
        if not self._pending and not self._pending_pages:
            return
        batch, self._pending = self._pending, []
        pages, self._pending_pages = self._pending_pages, []
        try:
            previous = self.store.last_final_urls([item.url for item in batch]) if batch else {}
            events = []
            for item in batch:
                old = previous.get(item.url)
                if old and item.final_url and old != item.final_url and item.method != "memory":
                    events.append({"kind": EventKind.LINK_MOVED, "url": item.url, "old": old, "new": item.final_url})
                if item.final_url:
                    previous[item.url] = item.final_url  # the same URL later in this batch
            # The fields as they are (the store only reads them): to_dict()'s deep copy
            # was half the cost of storing a link result.
            self.store.record_link_batch(self.run_id, [vars(item) for item in batch], events, pages)
        except Exception:
            logger.exception("%d link results and %d pages could not be stored", len(batch), len(pages))
            self._count("links/unstored", len(batch))
            self._count("link_pages/unstored", len(pages))
            return
        for result, n in Counter(item.result for item in batch).items():
            self._count(f"links/{result}", n)
        if pages:
            self._count("link_pages", len(pages))

    def finish(self, reason: str) -> dict[str, int]:
        """Close the run: complete only if the crawl finished and every resource
        has its check. Pending link results are written first."""
        self.flush()
        checked = sum(self.store.run_counts(self.run_id).values())
        complete = reason == "finished" and checked == len(self.config.resources)
        counts = self.store.finish_run(self.run_id, complete=complete, reason=reason)
        logger.info("run %s finished (%s): %s", self.run_id, reason, counts)
        return counts
