"""Stop promptly on SIGINT/SIGTERM without losing what was checked.

Scrapy's graceful stop waits for every in-flight request, which for a server
that hangs means until the download timeout. The guard moves through:

* running  -- nothing to do;
* stopping -- a signal arrived: Scrapy's own graceful stop is under way, and a
  grace timer starts;
* abandoned -- the grace ran out with requests still in flight: `run_abandoned`
  is sent, so the storage pipeline writes what it holds and closes the run as
  incomplete; the report is written for what was checked, and the reactor is
  stopped.

A second signal is Scrapy's: it stops the reactor at once, leaving the run
marked incomplete.
"""

from __future__ import annotations

import logging
import signal
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.crawl.extensions import write_report_or_say_why
from crawler.crawl.reactor import running_reactor

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
HANDLED = (signal.SIGINT, signal.SIGTERM)
# Scrapy signal: the shutdown grace ran out; whoever holds the run closes it now.
run_abandoned = object()


class ShutdownGuard:
    def __init__(self, crawler: Crawler, grace: float):
        self.crawler = crawler
        self.grace = grace
        self.closed = False
        self.timer_started = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        grace = crawler.settings.getfloat("HEALTH_SHUTDOWN_GRACE")
        if grace <= 0:
            raise NotConfigured
        guard = cls(crawler, grace)
        crawler.signals.connect(guard.engine_started, signal=signals.engine_started)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def engine_started(self) -> None:
        reactor = running_reactor()

        # Scrapy installs its handlers at reactor startup; wrap them once they exist.
        reactor.callLater(0, self._wrap_handlers)

    def _wrap_handlers(self) -> None:
        for signum in HANDLED:
            previous = signal.getsignal(signum)
            if callable(previous):
                signal.signal(signum, self._wrapped(previous))

    def _wrapped(self, previous: Any) -> Any:
        def handler(signum: int, frame: Any) -> None:
            previous(signum, frame)
            self._start_timer()

        return handler

    def _start_timer(self) -> None:
        reactor = running_reactor()

        if not self.timer_started:
            self.timer_started = True
            reactor.callFromThread(reactor.callLater, self.grace, self._abandon)

    def spider_closed(self) -> None:
        self.closed = True

    def _abandon(self) -> None:
        reactor = running_reactor()

        if self.closed:
            return
        settings = self.crawler.settings
        run_id = self.crawler.stats.get_value("healthcrawl/run_id")
        in_flight = len(getattr(self.crawler.engine.downloader, "active", ()))
        logger.warning(
            "stopped waiting for %d in-flight request(s) %.0f s after the shutdown signal", in_flight, self.grace
        )
        self.crawler.signals.send_catch_log(run_abandoned)
        if run_id is not None:
            write_report_or_say_why(self.crawler, settings.get("HEALTH_DB_PATH"), settings.get("HEALTH_REPORT_DIR"),
                                    run_id)
        self.closed = True
        if reactor.running:
            reactor.stop()
