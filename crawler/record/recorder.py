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
from crawler.store.database import storage_cause

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from crawler.core.config import Config
    from crawler.store.database import Store

logger = logging.getLogger(__name__)
LINK_BATCH_SIZE = 500  # link results written per transaction, at most
LINK_BATCH_SECONDS = 1.0  # and the longest a link result waits for its transaction
STORAGE_FAILED = "storage failed"  # the reason a crawl stops when a result could not be stored

# What a run can fail to store, by kind, as a sentence names one and many of them.
_LOSS_WORDS = {
    "checks": ("check", "checks"),
    "links": ("link result", "link results"),
    "pages": ("crawled page", "crawled pages"),
    "announcements": ("resource's announcements", "resources' announcements"),
}


def describe_loss(lost: Mapping[str, int], cause: str) -> str:
    """What a run lost, for the summary line, the log and the run's finish_reason.

    >>> describe_loss({"links": 500}, "disk full")
    '500 link results not stored: disk full'
    >>> describe_loss({"checks": 1, "links": 20, "announcements": 2}, "I/O error")
    "1 check, 20 link results, 2 resources' announcements not stored: I/O error"
    """
    parts = [f"{lost[kind]} {words[lost[kind] != 1]}" for kind, words in _LOSS_WORDS.items() if lost.get(kind)]
    return f"{', '.join(parts) or 'nothing'} not stored: {cause}"


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
      written (counted under ``links/unstored``).

    So a committed check implies every link result that arrived before it is
    committed too. What it stores is counted through `count(key, by)` under keys
    such as ``checks/up`` and ``links/broken`` (the crawl sends them to Scrapy's
    stats).

    Anything that cannot be stored (a link batch, a check, a resource's
    announcements: a full disk, an I/O error) is part of the run's truth: it is
    tallied in `lost`, the first failure is logged as one line naming the database
    and the cause (later ones at INFO), `on_loss` is called (the crawl stops asking
    for what it can no longer record), and `finish` records the run as incomplete
    with `loss` as its reason. If even that cannot be written, the run stays as
    `start_run` left it: incomplete."""

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
        self.lost: Counter[str] = Counter()  # results not stored, by kind (see _LOSS_WORDS)
        self.cause: str | None = None  # why the first of them was not stored, e.g. "disk full"
        self.end_recorded = True  # False when the run's finish could not be written
        self.on_loss: Callable[[], None] | None = None

    def _count(self, key: str, by: int = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + by
        if self._on_count is not None:
            self._on_count(key, by)

    def record(self, item: Any) -> None:
        if isinstance(item, LinkResult):
            self._hold(self._pending, item)
        elif isinstance(item, CheckResult):
            self.flush()
            try:
                self._store_check(item)
            except Exception as exc:
                self._lose(exc, {"checks": 1})
        elif isinstance(item, AnnouncementsResult):
            try:
                self.store.record_announcements(self.run_id, item.resource_id, item.items, source=item.source,
                                                feed_url=item.feed_url, warning=item.warning,
                                                reason=item.reason)
            except Exception as exc:
                self._lose(exc, {"announcements": 1})
                return
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
        text, digest = row.pop("main_text"), row.pop("main_text_fingerprint")
        row["fingerprint"] = record_content(store, run_id, item.resource_id, item.url, text=text,
                                            title=item.title, digest=digest) if status != "down" else None
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
        nor the run's finish (which records it as lost)."""
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
        except Exception as exc:
            self._count("links/unstored", len(batch))
            self._count("link_pages/unstored", len(pages))
            self._lose(exc, {"links": len(batch), "pages": len(pages)})
            return
        for result, n in Counter(item.result for item in batch).items():
            self._count(f"links/{result}", n)
        if pages:
            self._count("link_pages", len(pages))

    def _lose(self, exc: Exception, what: dict[str, int]) -> None:
        """Tally results that could not be stored, and say so once."""
        cause = storage_cause(exc, self.store.path)
        first = self.cause is None
        self.lost.update({kind: n for kind, n in what.items() if n})
        self.cause = self.cause or cause or type(exc).__name__
        lost = describe_loss(what, cause or repr(exc)) if what else f"the end of the run not stored: {cause or exc!r}"
        line = f"database {self.store.path}: {lost}"
        if cause is None:  # not the database's fault: a bug, with its traceback
            logger.error("%s", line, exc_info=exc)
        elif first:
            logger.error("%s; the run will be recorded as incomplete", line)
        else:
            logger.info("%s", line)
        if first and self.on_loss is not None:
            self.on_loss()

    @property
    def loss(self) -> str | None:
        """What the run failed to store, as one phrase ("500 link results not
        stored: disk full"), or None when everything was stored."""
        if self.cause is None:
            return None
        if not self.lost:
            return f"the end of the run not stored: {self.cause}"
        return describe_loss(self.lost, self.cause)

    def finish(self, reason: str) -> dict[str, int]:
        """Close the run: complete only if the crawl finished, every resource
        has its check and nothing was lost. Pending link results are written
        first. When the finish itself cannot be written, the run keeps the
        incomplete state it was started with (`end_recorded` is False)."""
        self.flush()
        try:
            checked = sum(self.store.run_counts(self.run_id).values())
            complete = reason == "finished" and checked == len(self.config.resources) and not self.lost
            counts = self.store.finish_run(self.run_id, complete=complete, reason=self._finish_reason(reason))
        except Exception as exc:
            self.end_recorded = False
            self._lose(exc, {})
            return {}
        logger.info("run %s finished (%s): %s", self.run_id, reason, counts)
        return counts

    def _finish_reason(self, reason: str) -> str:
        """The crawl's own reason, and what was lost when something was.

        Stopping because storage failed says nothing the loss does not."""
        loss = self.loss
        if loss is None:
            return reason
        return loss if reason in ("finished", STORAGE_FAILED) else f"{reason}; {loss}"
