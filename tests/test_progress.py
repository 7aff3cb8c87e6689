"""The progress line's denominator: LinkPlan.links_planned counts the link results
the plan will yield, so "links n/N" ends at N/N, whatever order answers arrive in.
(The line itself is tested on a real crawl under a pseudo-terminal: tests/crawl/test_progress.py.)"""

from __future__ import annotations

import random

import pytest

from crawler.core.config import Resource
from crawler.core.items import LinkResult
from crawler.core.linkplan import LinkPlan
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
