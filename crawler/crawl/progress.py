"""How far the crawl is, for people watching.

ProgressLine draws a live line on a terminal, with rich:

    resources 2/3 ━━━━━━━━━━━━╺━━━━━━━━━━━ links 118/240  pages 9  0:00:04

It is off (NotConfigured) unless the HEALTH_PROGRESS setting is on, which
`healthcrawl run` sets when stderr is a terminal, and stderr is a terminal. Under
cron or CI, and for `scrapy crawl`, stderr carries the warnings and the summary line
as before.

ProgressLog logs the same counts at INFO (`-v`) every LOGSTATS_INTERVAL seconds, in
place of Scrapy's LogStats, which counted responses and items.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.core.linkplan import LinkPlan
from crawler.core.vocabulary import VERDICTS, LinkVerdict
from crawler.crawl.reactor import running_reactor

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from typing import Self

    from rich.progress import TaskID
    from scrapy import Spider
    from scrapy.crawler import Crawler

REFRESH_SECONDS = 0.25  # a few times a second: enough for a person, nothing for the crawl
# Counters the storage pipeline keeps in crawler.stats (crawler.record.recorder); link
# results and pages are counted as their batch is written, at most a second late.
CHECK_KEYS = tuple(f"healthcrawl/checks/{verdict}" for verdict in VERDICTS)
LINK_KEYS = tuple(f"healthcrawl/links/{result}" for result in (*LinkVerdict, "unstored"))
PAGE_KEYS = ("healthcrawl/link_pages", "healthcrawl/link_pages/unstored")


def stderr_is_terminal() -> bool:
    stream = sys.stderr
    return stream is not None and stream.isatty()


class ProgressLine:
    """The line moves through three states:

    * waiting -- built, nothing drawn until the spider opens;
    * showing -- a rich Progress on stderr, redrawn every REFRESH_SECONDS by a
      looping call in the reactor (no thread, no work per request or item): it
      reads the counters above, the number of resources, and the links the
      spider's LinkPlan has planned (``links_planned``). Log records written to
      stderr meanwhile are printed above the line, not through it;
    * stopped -- at spider_closed (after the pipeline wrote its last batch, so the
      counts are final), or when the reactor stops without it (the shutdown
      guard abandoned the run): drawn one last time and left on screen, the
      cursor shown again, stderr and the log handlers given back.
    """

    def __init__(self, crawler: Crawler, stream: TextIO):
        # rich only where the line is drawn: a run under cron or CI does not pay its import
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.crawler = crawler
        self.stream = stream
        self.progress = Progress(
            TextColumn("resources {task.fields[resources]}/{task.fields[resource_total]}"),
            BarColumn(bar_width=24),
            TextColumn("links {task.completed:.0f}/{task.total:.0f}"),
            TextColumn("pages {task.fields[pages]}"),
            TimeElapsedColumn(),
            console=Console(file=stream, soft_wrap=True),  # long log lines printed above it stay whole
            auto_refresh=False,  # redrawn by the looping call, in the reactor's thread
            redirect_stdout=False,  # stdout is for the summary line
        )
        self.task: TaskID | None = None
        self.plan: LinkPlan | None = None
        self._timer: Any = None
        self._on_reactor_stop: Any = None
        self._handlers: list[logging.StreamHandler] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("HEALTH_PROGRESS") or not stderr_is_terminal():
            raise NotConfigured
        line = cls(crawler, sys.stderr)
        crawler.signals.connect(line.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(line.spider_closed, signal=signals.spider_closed)
        return line

    def spider_opened(self, spider: Spider) -> None:
        plan = getattr(spider, "plan", None)
        self.plan = plan if isinstance(plan, LinkPlan) else None
        config = self.crawler.settings.get("HEALTH_LOADED_CONFIG")
        total = len(config.resources) if config is not None else 0
        self.task = self.progress.add_task("crawl", total=0, resources=0, resource_total=total, pages=0)
        self.progress.start()
        self._log_above_the_line()
        self._timer = create_looping_call(self.refresh)
        self._timer.start(REFRESH_SECONDS, now=True)
        self._on_reactor_stop = running_reactor().addSystemEventTrigger("before", "shutdown", self._reactor_stopping)

    def refresh(self) -> None:
        if self.task is None:
            return
        value = self.crawler.stats.get_value
        self.progress.update(
            self.task,
            resources=sum(value(key, 0) for key in CHECK_KEYS),
            completed=sum(value(key, 0) for key in LINK_KEYS),
            total=self.plan.links_planned if self.plan is not None else 0,
            pages=sum(value(key, 0) for key in PAGE_KEYS),
        )
        self.progress.refresh()

    def spider_closed(self) -> None:
        if self._on_reactor_stop is not None:
            running_reactor().removeSystemEventTrigger(self._on_reactor_stop)
            self._on_reactor_stop = None
        self.stop()

    def _reactor_stopping(self) -> None:
        self._on_reactor_stop = None  # firing: not to be removed
        self.stop()

    def stop(self) -> None:
        if self.task is None:
            return
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.refresh()
        self.task = None
        try:
            self.progress.stop()
        finally:
            for handler in self._handlers:
                handler.setStream(self.stream)
            self._handlers = []

    def _log_above_the_line(self) -> None:
        """rich moves writes to sys.stderr above the line while it shows; the log
        handler (Scrapy's) holds the stderr it was made with, so it writes there too."""
        for handler in logging.getLogger().handlers:
            if type(handler) is logging.StreamHandler and handler.stream is self.stream:
                handler.setStream(sys.stderr)
                self._handlers.append(handler)


class ProgressLog:
    """Every LOGSTATS_INTERVAL seconds (60; 0 turns it off), an INFO record of the
    resources checked, the link results stored and how many of those in the last
    interval, from the counters the storage pipeline keeps."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self._links_before = 0
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("LOGSTATS_INTERVAL")
        if not interval:
            raise NotConfigured
        log = cls(crawler, interval)
        crawler.signals.connect(log.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(log.spider_closed, signal=signals.spider_closed)
        return log

    def spider_opened(self) -> None:
        self._timer = create_looping_call(self.log)
        self._timer.start(self.interval, now=False)

    def log(self) -> None:
        value = self.crawler.stats.get_value
        links = sum(value(key, 0) for key in LINK_KEYS)
        rate = (links - self._links_before) * 60 / self.interval
        self._links_before = links
        logger.info("checked %d resources, %d links (at %d links/min), read %d pages",
                    sum(value(key, 0) for key in CHECK_KEYS), links, rate, sum(value(key, 0) for key in PAGE_KEYS))

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
