"""`healthcrawl worker`: process a distributed run's requests until it ends.

A worker waits for the coordinator to announce a run in Redis, reads the run's
resources file and settings from it (so no worker needs a copy), and runs the
worker spider with scrapy-redis's Scheduler over the leased queue. It stops when
the coordinator says the run is over, then (unless --once) replaces itself with
a fresh process to wait for the next run: Scrapy's reactor cannot be restarted.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.distributed.frontier import Frontier

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5
# Set when SIGINT or SIGTERM reached this process during a crawl: Scrapy's handler stops
# the crawl gracefully, and the worker must then exit, not start over for the next run
# (`systemctl stop` would otherwise wait for its timeout and kill it).
_terminated = False


def _remembering(previous: Any) -> Any:
    def handler(signum: int, frame: Any) -> None:
        global _terminated
        _terminated = True
        if callable(previous):
            previous(signum, frame)

    return handler


class WorkerLifecycle:
    """Keeps an idle worker open while its run is running (the queue may refill
    from another worker's pages), and closes it once the coordinator has ended
    the run: finished, or cancelled."""

    def __init__(self, crawler: Crawler, frontier: Frontier, token: str):
        self.crawler = crawler
        self.frontier = frontier
        self.token = token
        self._watch = task.LoopingCall(self._check)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        if not settings.get("HEALTH_RUN_TOKEN"):
            raise NotConfigured
        frontier = Frontier(get_redis_from_settings(settings), settings.get("HEALTH_REDIS_PREFIX"))
        extension = cls(crawler, frontier, settings.get("HEALTH_RUN_TOKEN"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def running(self) -> bool:
        run = self.frontier.run()
        return run is not None and run.get("token", b"").decode() == self.token and run.get("state") == b"running"

    def spider_opened(self) -> None:
        self._watch.start(1.0, now=False)
        for signum in (signal.SIGINT, signal.SIGTERM):  # Scrapy's handlers are in place by now
            signal.signal(signum, _remembering(signal.getsignal(signum)))

    def _check(self) -> None:
        try:
            still = self.running()
        except Exception as exc:
            logger.warning("cannot read the run's state from Redis: %s", exc)
            return
        if not still and self.crawler.engine is not None:
            self._watch.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="run ended"))

    def spider_idle(self) -> None:
        if self.running():
            raise DontCloseSpider

    def spider_closed(self) -> None:
        if self._watch.running:
            self._watch.stop()


def wait_for_run(frontier: Frontier, *, after: str | None, timeout: float | None) -> dict[str, bytes] | None:
    """The next running run whose token is not `after`; None when `timeout` passes."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        run = frontier.run()
        if run and run.get("state") == b"running" and run.get("token", b"").decode() != after:
            return run
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(POLL_SECONDS)


def worker_settings(run: dict[str, bytes], *, redis_url: str, prefix: str, config_path: Path,
                    verbosity: int) -> Settings:
    from scrapy.settings import Settings

    from crawler.crawl.runner import LOG_LEVELS

    settings = Settings()
    settings.setmodule("crawler.crawl.settings", priority="project")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["crawler.distributed.hostlimit.SharedHostLimitMiddleware"] = 970  # nearest the network
    settings.setdict({
        "HEALTH_CONFIG": str(config_path),
        "HEALTH_RUN_TOKEN": run["token"].decode(),
        "HEALTH_REDIS_PREFIX": prefix,
        "HEALTH_LEASE_SECONDS": float(run.get("lease_seconds", b"30")),
        "HEALTH_FAST": run.get("fast") == b"1",
        "HEALTH_LINK_MEMORY": pickle.loads(run["memory"]) if run.get("memory") else {},
        "LOG_LEVEL": LOG_LEVELS[min(verbosity, 2)],
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.queue.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:queue",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the queue is shared: a worker that stops must not clear it
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "ITEM_PIPELINES": {},  # results are committed to Redis with each request's lease
        "EXTENSIONS": {"crawler.distributed.worker.WorkerLifecycle": 500},
    }, priority="cmdline")
    return settings


def work(redis_url: str, *, prefix: str, once: bool, wait: float | None, verbosity: int) -> int:
    """Wait for a run, process it, and (unless `once`) start over as a new process."""
    frontier = Frontier.from_url(redis_url, prefix)
    after = os.environ.get("HEALTHCRAWL_LAST_RUN")
    print(f"healthcrawl worker: waiting for a run on {redis_url} (prefix {prefix})", file=sys.stderr, flush=True)
    run = wait_for_run(frontier, after=after, timeout=wait)
    if run is None:
        print("healthcrawl worker: no run started in time", file=sys.stderr)
        return 1
    token = run["token"].decode()
    print(f"healthcrawl worker: processing run {run.get('run_id', b'?').decode()}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="healthcrawl-worker-") as folder:
        config_path = Path(folder) / "resources.yaml"
        config_path.write_bytes(run["config"])
        _crawl(worker_settings(run, redis_url=redis_url, prefix=prefix, config_path=config_path,
                               verbosity=verbosity))
    print("healthcrawl worker: run over", file=sys.stderr, flush=True)
    if once or _terminated:
        return 0
    os.environ["HEALTHCRAWL_LAST_RUN"] = token
    os.execv(sys.executable, [sys.executable, "-m", "crawler", *sys.argv[1:]])
    return 0  # not reached


def _crawl(settings: Settings) -> Any:
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import ScrapyDeprecationWarning

    from crawler.crawl.runner import WORKER_SPIDER, create_crawler, quiet_below_log_level, tune_gc

    # An idle engine asks its scheduler for work every 5 s; a worker whose queue
    # refills from other workers' pages should look far more often. Scrapy has no
    # setting for it, only this private constant: tests/test_scrapy_internals.py
    # fails when it is renamed or no longer read.
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 0.2
    # scrapy-redis 0.9.1 calls APIs Scrapy 2.19 deprecates (stats.inc_value(spider=...),
    # Spider.log); they still work, and cron mail need not repeat it.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis(\.|$)")
    process = CrawlerProcess(settings)
    quiet_below_log_level(settings)
    crawler = create_crawler(process, WORKER_SPIDER)
    tune_gc()
    process.crawl(crawler)
    process.start()
