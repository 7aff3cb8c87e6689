"""Depth means shortest-path distance, whatever the order of responses: three runs
of the real CLI on a generated web whose pages are reachable by paths of different
lengths and whose answers come after a random delay. Asserted on the server's log
and on the stored rows."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.web import WebProcess
from tests.conftest import run_cli
from tests.generated_web import DEPTH, SPEC, leaves_of_pages_beyond, pages_within, resources_yaml, stored_sets

pytestmark = pytest.mark.crawl
RUNS = 3


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("bfs")
    with WebProcess(SPEC) as web:
        config = resources_yaml(folder / "resources.yaml", web)
        outcomes = []
        for number in range(RUNS):
            web.reset()
            out = folder / f"run{number}"
            result = run_cli("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out),
                             "--fail-on", "resources", timeout=300)
            outcomes.append({"result": result, "log": web.log(), "sets": stored_sets(out / "health.db", web.bases)})
        yield web, outcomes


def test_every_run_completes(runs):
    _, outcomes = runs
    for outcome in outcomes:
        assert outcome["result"].returncode == 0, outcome["result"].stdout + outcome["result"].stderr
        assert "Traceback" not in outcome["result"].stderr


def test_every_page_within_depth_is_fetched_with_get_exactly_once(runs):
    web, outcomes = runs
    within = pages_within(web, DEPTH)
    assert len(within) > 50
    for outcome in outcomes:
        gets = Counter((host, path) for host, method, path, _ in outcome["log"] if method == "GET")
        assert {page: gets[page] for page in within if gets[page] != 1} == {}


def test_no_page_beyond_depth_is_followed(runs):
    web, outcomes = runs
    beyond = leaves_of_pages_beyond(web, DEPTH)
    assert beyond
    for outcome in outcomes:
        requested = {(host, path) for host, _, path, _ in outcome["log"]}
        assert requested & beyond == set()
        followed_depths = {depth for _, _, depth in outcome["sets"]["pages"]}
        assert max(followed_depths) == DEPTH


def test_each_url_is_requested_once(runs):
    """Once per URL; the only second request is the GET that confirms a failed HEAD
    (crawler.core.linkstatus.should_fallback_to_get), which walks a redirect
    chain again from its start."""
    web, outcomes = runs
    for outcome in outcomes:
        failed = {(int(url[1:url.index("/")]), url[url.index("/"):]) for url, result, _ in outcome["sets"]["checks"]
                  if result == "broken"}  # including redirect chains that end in a 4xx/5xx
        asked: dict[tuple[int, str], list[tuple[str, int]]] = {}
        for host, method, path, status in outcome["log"]:
            if path != "/robots.txt":
                asked.setdefault((host, path), []).append((method, status))
        repeated = {url: seen for url, seen in asked.items() if len(seen) > 1}
        confirmed = {url: seen for url, seen in repeated.items()
                     if [method for method, _ in seen] == ["HEAD", "GET"] and (url in failed or seen[0][1] >= 400)}
        assert repeated == confirmed


def test_every_broken_link_on_the_pages_within_depth_is_found(runs):
    web, outcomes = runs
    truth = web.spec.expected(web.bases, depth=DEPTH)
    broken = {url for url in truth["broken"]}
    for outcome in outcomes:
        found = {url for url, result, _ in outcome["sets"]["checks"] if result == "broken"}
        expected = {f"h{web.bases.index(u.rsplit('/l/', 1)[0])}/l/{u.rsplit('/l/', 1)[1]}" for u in broken}
        assert found == expected


def test_three_runs_store_identical_pages_and_links(runs):
    _, outcomes = runs
    first = outcomes[0]["sets"]
    for outcome in outcomes[1:]:
        assert outcome["sets"]["pages"] == first["pages"]
        assert outcome["sets"]["sources"] == first["sources"]
        assert outcome["sets"]["checks"] == first["checks"]
