"""`healthcrawl run --distributed`: seed the shared frontier, merge what workers
report into the SQLite database, and write the report as a single-process run does.

The coordinator moves through:

* seeding   -- the run is opened in SQLite (RunRecorder) and announced in Redis
  with the resources file, settings and link memory; one request per resource
  is queued;
* collecting -- items committed by workers are stored as they arrive; outcomes
  (what a response held) go through the run's one link plan (crawler.core.linkplan),
  whose requests are queued and whose results are stored, exactly as in one
  process; requests whose lease expired (a worker died) are queued again, until
  nothing is queued, leased or uncollected;
* finished  -- the run is closed (complete when every resource has its check),
  the report written, and the run marked over in Redis, which stops the workers.

SIGINT/SIGTERM end collecting early: the run is closed as incomplete with what
was stored, and the workers are told to stop. So does a frontier that nobody
works on for `idle_timeout` seconds (no worker running), and a Redis that stops
answering.
"""

from __future__ import annotations

import logging
import pickle
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from crawler.core.config import Config
from crawler.core.linkplan import Fetch, LinkPlan, LinkRead, ResourceRead, SitemapFetch, SitemapRead
from crawler.core.wording import counted
from crawler.distributed import DEFAULT_LEASE_SECONDS, DEFAULT_MAX_IDLE_SECONDS
from crawler.distributed.frontier import Frontier, encode_request
from crawler.record.recorder import RunRecorder
from crawler.report.writer import write_reports
from crawler.store.database import Store

logger = logging.getLogger(__name__)
COORDINATOR_TTL = 15.0
IDLE_SLEEP = 0.05
NO_WORKER_WARNING = 10.0  # seconds with work queued and nothing leased before saying so


class CoordinatorBusy(Exception):
    """Another coordinator is running on the same Redis prefix."""


def coordinate(config: Config, *, redis_url: str, prefix: str, db: Path, out: Path, fast: bool = False,
               lease_seconds: float = DEFAULT_LEASE_SECONDS, idle_timeout: float = DEFAULT_MAX_IDLE_SECONDS) -> int:
    """Run one distributed crawl to its end; return the run id stored in `db`."""
    from scrapy.settings import Settings

    from crawler.crawl.runner import SPIDER, load_spider, tune_gc

    tune_gc()  # the coordinator holds the run's plan: the same long-lived objects as a crawl
    frontier = Frontier.from_url(redis_url, prefix)
    frontier.server.ping()
    owner = uuid.uuid4().hex
    if not frontier.claim_coordinator(owner, COORDINATOR_TTL):
        raise CoordinatorBusy(f"another `healthcrawl run --distributed` is coordinating on {redis_url} "
                              f"(prefix {prefix}); use another --redis-prefix or wait for it")
    stop = _StopFlag()
    store = Store(db)
    recorder: RunRecorder | None = None
    try:
        recorder = RunRecorder(store, config)
        frontier.open_run({
            "token": owner, "run_id": recorder.run_id, "config": config.path.read_bytes(),
            "fast": int(fast), "lease_seconds": lease_seconds,
            "memory": pickle.dumps(store.link_memory(), protocol=pickle.HIGHEST_PROTOCOL),
        })
        try:
            project = Settings()
            project.setmodule("crawler.crawl.settings", priority="project")
            spider = load_spider(project, SPIDER)()  # builds the requests workers deserialize by callback name
            planner = _Planner(frontier, LinkPlan(config.resources), spider, recorder)
            planner.seed(config)
            reason = _collect(frontier, planner, owner, stop, idle_timeout)
            frontier.set_state("finished" if reason == "finished" else "cancelled")
            frontier.clear_work()
        except redis.RedisError:
            recorder.finish("redis unreachable")  # keep what was stored, shown as incomplete
            write_reports(store, out)
            raise
        recorder.finish(reason)
        write_reports(store, out)
        return recorder.run_id
    finally:
        stop.restore()
        if recorder is not None:
            recorder.flush()  # a second signal or an error: keep the link results collected so far
        store.close()
        frontier.release_coordinator(owner)


OUTCOMES = (ResourceRead, LinkRead, SitemapRead)


class _Planner:
    """Stores the workers' results and plans on their outcomes: the coordinator's
    half of what the spider does in one process (spiders.availability, `_outcome`)."""

    def __init__(self, frontier: Frontier, plan: LinkPlan, spider: Any, recorder: RunRecorder):
        self.frontier, self.plan, self.spider, self.recorder = frontier, plan, spider, recorder

    def seed(self, config: Config) -> None:
        for resource in config.resources:
            self._push(self.spider.resource_request(resource, config.settings.confirm_attempts))

    def take(self, item: Any) -> None:
        if not isinstance(item, OUTCOMES):
            self.recorder.record(item)
            return
        for output in self.plan.apply(item):
            if isinstance(output, Fetch):
                self._push(self.spider.fetch_request(output))
            elif isinstance(output, SitemapFetch):
                self._push(self.spider.sitemap_request(output))
            else:
                self.recorder.record(output)

    def _push(self, request: Any) -> None:
        self.frontier.push(encode_request(request, self.spider), -request.priority)


def _collect(frontier: Frontier, planner: _Planner, owner: str, stop: _StopFlag, idle_timeout: float) -> str:
    """Store results until the frontier is empty; the finish reason."""
    progress = time.monotonic()  # last time a result arrived or a worker held a request
    warned = False
    renewed = 0.0
    while not stop.set:
        now = time.monotonic()
        if now - renewed > COORDINATOR_TTL / 3:
            frontier.renew_coordinator(owner, COORDINATOR_TTL)
            renewed = now
        batch = frontier.take_items()
        for data in batch:
            _store(planner, data)
        planner.recorder.flush_if_due()  # link results wait at most a batch's age, even when none arrive
        if batch:
            progress = now
            continue
        if frontier.reap():
            logger.warning("requests whose worker stopped answering were queued again")
        counts = frontier.counts()
        if not any(counts.values()):
            return "finished"
        if counts["leased"]:
            progress = now
        elif now - progress > idle_timeout:
            print(f"healthcrawl: no worker took a request for {idle_timeout:g} s; closing the run as incomplete",
                  file=sys.stderr, flush=True)
            return "no workers"
        elif not warned and now - progress > NO_WORKER_WARNING:
            warned = True
            print(f"healthcrawl: {counted(counts['queued'], 'request')} queued and no worker is taking them; start "
                  f"workers with `healthcrawl worker --redis URL`", file=sys.stderr, flush=True)
        time.sleep(IDLE_SLEEP)
    for data in frontier.take_items(1_000_000):  # what was committed before the stop is kept
        _store(planner, data)
    return "shutdown"


def _store(planner: _Planner, data: bytes) -> None:
    """One worker's result into the database; a result that cannot be read (a worker
    of another healthcrawl version) is reported, not allowed to stop the run."""
    try:
        item = pickle.loads(data)
    except Exception as exc:
        logger.error("a worker sent a result this coordinator cannot read (%s): is every worker the same "
                     "healthcrawl version?", exc)
        return
    planner.take(item)


class _StopFlag:
    """SIGINT/SIGTERM end collecting at the next turn of the loop."""

    def __init__(self) -> None:
        self.set = False
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.set:  # a second signal: stop now
            raise KeyboardInterrupt
        self.set = True
        print("healthcrawl: stopping: closing the run with what was collected", file=sys.stderr, flush=True)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
