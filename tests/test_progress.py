"""The progress line: when it is on, and its denominator, LinkPlan.links_planned,
which counts the link results the plan will yield, so "links n/N" ends at N/N
whatever order answers arrive in. (The line itself is tested on a real crawl under
a pseudo-terminal: tests/crawl/test_progress.py.)"""

from __future__ import annotations

import random
import sys

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.core.config import Resource
from crawler.core.items import LinkResult
from crawler.core.linkplan import LinkPlan
from crawler.crawl.progress import ProgressLine
from tests.test_linkplan import SITE, Driver, Web, generated_web, page


def played(resources: list[Resource], web: Web, seed: int) -> Driver:
    """Driver.run, checking after every outcome that no more results came than planned."""
    driver = Driver(resources, web, random.Random(seed))
    apply, emitted = driver.plan.apply, [0]

    def counted(outcome: object) -> list:
        outputs = apply(outcome)
        emitted[0] += sum(isinstance(o, LinkResult) for o in outputs)
        assert emitted[0] <= driver.plan.links_planned
        return outputs

    driver.plan.apply = counted
    return driver.run()


def results(driver: Driver) -> int:
    return sum(isinstance(item, LinkResult) for item in driver.items)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("depth", [0, 1, 3])
def test_every_planned_link_result_arrives(seed: int, depth: int) -> None:
    driver = played([Resource("site", SITE + "/", depth=depth)], generated_web(seed), seed)
    assert driver.plan.links_planned == results(driver) > 0


def test_overlapping_resources_upgrades_fragments_and_invalid_hrefs() -> None:
    # `other` is linked plainly (HEAD), then with #x one level down (upgraded to GET):
    # when the HEAD had answered already, its result and the GET's both arrive
    other = "http://b.test/doc"
    web = Web({"/": page("/one", other, "/b/", invalid=("http://",)), "/one": page(other + "#x", "/", "/b/1"),
               "/b/": page("/", "/b/1", invalid=("http://",)), "/b/1": page("/one", other),
               other: page(ids=("x",))}, {SITE + "/b/1": 404})
    resources = [Resource("site", SITE + "/", depth=2, check_fragments=True), Resource("b", SITE + "/b/", depth=1)]
    totals = set()
    for seed in range(10):
        driver = played(resources, web, seed)
        assert driver.plan.links_planned == results(driver)
        totals.add(results(driver))
    assert totals == {len(driver.results()), len(driver.results()) + 1}  # both orders were played


def test_a_new_plan_has_planned_nothing() -> None:
    assert LinkPlan([Resource("site", SITE + "/", depth=2)]).links_planned == 0


class Terminal:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("enabled,tty,on", [(True, True, True), (True, False, False), (False, True, False)])
def test_the_line_is_on_only_when_enabled_and_stderr_is_a_terminal(monkeypatch, enabled, tty, on) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal(tty))
    crawler = get_crawler(settings_dict={"HEALTH_PROGRESS": enabled})
    if on:
        assert isinstance(ProgressLine.from_crawler(crawler), ProgressLine)
    else:
        with pytest.raises(NotConfigured):
            ProgressLine.from_crawler(crawler)


def test_scrapy_crawl_shows_no_line_by_default() -> None:
    settings = Settings()
    settings.setmodule("crawler.crawl.settings")
    assert settings.getbool("HEALTH_PROGRESS") is False
    assert "crawler.crawl.progress.ProgressLine" in settings.getdict("EXTENSIONS")


def test_progress_log_counts_links_and_their_rate(caplog) -> None:
    from crawler.crawl.progress import ProgressLog

    crawler = get_crawler(settings_dict={"LOGSTATS_INTERVAL": 30.0})
    log = ProgressLog.from_crawler(crawler)
    stats = crawler.stats
    stats.set_value("healthcrawl/checks/up", 2)
    stats.set_value("healthcrawl/links/ok", 90)
    stats.set_value("healthcrawl/links/broken", 10)
    stats.set_value("healthcrawl/link_pages", 7)
    with caplog.at_level("INFO", logger="crawler.crawl.progress"):
        log.log()
        stats.inc_value("healthcrawl/links/ok", 50)
        log.log()
    assert [r.getMessage() for r in caplog.records] == [
        "checked 2 resources, 100 links (at 200 links/min), read 7 pages",
        "checked 2 resources, 150 links (at 100 links/min), read 7 pages",
    ]


def test_progress_log_off_with_no_interval() -> None:
    from crawler.crawl.progress import ProgressLog

    with pytest.raises(NotConfigured):
        ProgressLog.from_crawler(get_crawler(settings_dict={"LOGSTATS_INTERVAL": 0}))
