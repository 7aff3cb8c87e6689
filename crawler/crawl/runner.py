"""Run one crawl in this process with the project's settings.

Scrapy's reactor cannot be restarted, so this is called once per process: the
CLI calls it once, and tests run the CLI in a subprocess.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.crawl.eventloop import log_event_loop
from crawler.crawl.hotpath import use_lean_signals, use_lean_spider_output, use_sequential_spider_output

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

LOG_LEVELS = {0: "WARNING", 1: "INFO", 2: "DEBUG"}
SPIDER = "availability"  # spiders/availability.py
WORKER_SPIDER = "availability-worker"  # spiders/availability_worker.py


def load_spider(settings: Settings, name: str) -> type:
    """A spider class by name, from the project's SPIDER_MODULES (Scrapy's spider loader)."""
    from scrapy.spiderloader import get_spider_loader

    return get_spider_loader(settings).load(name)


def project_settings(
    *, config: Path, db: Path, out: Path, verbosity: int = 0, fast: bool = False
) -> Settings:
    """crawler.crawl.settings plus the paths given on the command line (which win)."""
    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    settings.setdict(
        {
            "HEALTH_CONFIG": str(config),
            "HEALTH_DB_PATH": str(db),
            "HEALTH_REPORT_DIR": str(out),
            "LOG_LEVEL": LOG_LEVELS[min(verbosity, 2)],
            "HEALTH_FAST": fast,
        },
        priority="cmdline",
    )
    return settings


# Collect young objects every 20,000 allocations instead of 700, and older ones
# proportionally less often: a crawl keeps tens of thousands of long-lived objects
# (queued requests, the link plan), which Python's defaults rescanned hundreds of
# times a run. On 50k links: GC 0.5 s of CPU instead of several seconds, 1.05 -> 0.95 ms
# of CPU per request, peak RSS unchanged (231 MB).
GC_THRESHOLDS = (20_000, 20, 20)


def tune_gc() -> None:
    """For a long crawl: what start-up built is never garbage (gc.freeze keeps it out
    of every later collection), and collections come less often (GC_THRESHOLDS)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def quiet_below_log_level(settings: Settings) -> None:
    """Scrapy's handler filters by LOG_LEVEL, but its loggers stay open to every
    level, so each request and item built a DEBUG record only to drop it."""
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))


def create_crawler(process: CrawlerProcess, name: str) -> Crawler:
    """The crawler of spider `name` (by name, through SPIDER_MODULES: spiders sit above
    this layer), with Scrapy's per-request machinery trimmed (crawler.crawl.hotpath)."""
    crawler = process.create_crawler(name)
    log_event_loop(crawler.settings)
    use_lean_signals(crawler)
    use_sequential_spider_output()
    use_lean_spider_output(crawler)
    return crawler


@dataclass(frozen=True)
class CrawlOutcome:
    """What a crawl knows about itself that the database may not: the database
    cannot say what it failed to store, nor whether the report reached the disk."""

    run_id: int | None  # the run it stored, if it could start one
    loss: str | None = None  # what it could not store ("500 link results not stored: disk full")
    report_error: str | None = None  # why the report was not written ("cannot write reports/...")


def crawl(settings: Settings) -> CrawlOutcome:
    """Run the availability spider to the end: the run it stored, and what went wrong
    on the way to the database and the report."""
    from crawler.crawl.extensions import REPORT_ERROR_STAT
    from crawler.crawl.pipelines import LOSS_STAT

    process = CrawlerProcess(settings)
    quiet_below_log_level(settings)
    crawler = create_crawler(process, SPIDER)
    tune_gc()
    process.crawl(crawler)
    process.start()
    stats = crawler.stats
    if stats is None:
        return CrawlOutcome(None)
    return CrawlOutcome(stats.get_value("healthcrawl/run_id"), stats.get_value(LOSS_STAT),
                        stats.get_value(REPORT_ERROR_STAT))
