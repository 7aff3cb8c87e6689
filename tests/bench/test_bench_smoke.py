"""The benchmark harness (`python -m bench`) on a web of about a hundred links, so
it cannot rot: it prints the table, writes the JSON, and healthcrawl finds exactly
the links the synthetic web breaks. Nothing here is timed; the figures are only
checked for being there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import peers, render
from bench.run import BenchConfig, run, web_spec
from crawler.crawl.render import find_chromium

pytestmark = pytest.mark.crawl

SIZE = 100  # 2 hosts x 6 pages x 10 links, 2 of them extra page links: 98 link URLs, 11 of them broken


def small_config(tmp_path, tools: list[str], **overrides) -> BenchConfig:
    return BenchConfig(sizes=[SIZE], tools=tools, hosts=2, links_per_page=10, branching=2, extra_page_links=2,
                       per_host=2, latency=0.005, jitter=0.01, page_bytes=2048, leaf_bytes=256, timeout=10,
                       tool_timeout=120, out=tmp_path / "results", quiet=True, **overrides)


def test_the_small_web_has_broken_links_to_find():
    spec = web_spec(SIZE, small_config(Path("unused"), []))
    truth = spec.expected(["http://a.test", "http://b.test"])
    assert (spec.pages, spec.height, spec.max_concurrent_per_host) == (6, 2, 2)
    assert len(truth["links"]) == 98
    assert len(truth["broken"]) == 11
    assert {url.split("/")[-2] for url in truth["broken"]} <= {"404", "410", "500", "redirect404"}


def test_healthcrawl_run_table_json_and_incremental(tmp_path, capsys):
    report = run(small_config(tmp_path, ["healthcrawl"], incremental_size=SIZE))
    printed = capsys.readouterr().out

    header = printed.splitlines()[0]
    assert header.split()[:3] == ["links", "tool", "wall"]
    for column in ("CPU ms/request", "covered", "max queued", "of bound", "recall", "false broken"):
        assert column in header
    assert any(line.split()[:2] == ["98", "healthcrawl"] for line in printed.splitlines())
    assert "politeness bound H*c/mean latency = 2*2/0.01 s = 400 req/s" in printed

    (entry,) = report["sizes"]
    hc = entry["tools"]["healthcrawl"]
    assert hc["exit_code"] == 0  # every resource up (the harness runs with --fail-on resources)
    assert entry["expected_broken"] == 11
    assert hc["agrees_with_truth"], (hc["broken_missed"], hc["broken_extra"])
    assert hc["broken_found"] == 11
    assert (hc["broken_recall"], hc["false_broken"], hc["covered"]) == (1.0, 0, 1.0)
    assert hc["server"]["links_requested"] == 98 and hc["server"]["links_missed"] == 0
    assert hc["server"]["max_in_flight_per_host"] <= 2  # healthcrawl's own per-host cap held: nothing queued
    assert hc["server"]["max_serving_per_host"] <= 2
    assert hc["cpu_ms_per_request"] > 0
    assert hc["reads"]["pages"] == 12 and hc["reads"]["unread"] == 0
    assert hc["server"]["robots_requests"] == 2  # one robots.txt per host

    second = entry["incremental"]["second"]
    assert second["same_broken_as_first"]
    assert second["conditional_requests"] > 0 and second["not_modified"] > 0
    assert entry["incremental"]["second_fast"]["same_broken_as_first"]

    written = json.loads((tmp_path / "results" / "latest.json").read_text())
    assert written["sizes"][0]["tools"]["healthcrawl"]["broken_found"] == 11
    assert written["table"] == report["table"]
    assert {t["target"].split(":")[0] for t in written["targets"]} >= {"98 links", "no-change second run"}
    assert list((tmp_path / "results").glob("bench-*.json"))


@pytest.mark.parametrize("tool", ["linkchecker", "linkinator"])
def test_peer_finds_the_same_broken_links(tmp_path, capsys, tool):
    if (peers.linkchecker_path() if tool == "linkchecker" else peers.linkinator_path()) is None:
        pytest.skip(f"{tool} not installed (python -m bench install-peers)")
    report = run(small_config(tmp_path, [tool], incremental_size=None))
    printed = capsys.readouterr().out
    assert any(line.split()[:2] == ["98", tool] for line in printed.splitlines())
    figures = report["sizes"][0]["tools"][tool]
    assert not figures["timed_out"]
    assert figures["agrees_with_truth"], (figures["broken_missed"], figures["broken_extra"])
    assert (tmp_path / "results" / "latest.json").exists()


def test_render_bench_reads_every_app_and_prints_its_figures(capsys):
    """python -m bench.render on two apps: both runs correct, every column printed."""
    if find_chromium() is None:  # a failure, as in tests/browser/: never a silent skip
        pytest.fail("Chromium not found: scripts/system-packages.sh installs it", pytrace=False)
    assert render.main(["--pages", "2"]) == 0
    printed = capsys.readouterr().out
    assert "plain HTML (peer)" in printed and "rendered (render: true)" in printed
    assert "render time per page: median" in printed and "rendered / plain: wall" in printed
    rendered_row = next(line for line in printed.splitlines() if line.startswith("rendered (render: true)"))
    assert " yes " in rendered_row and " MB" in rendered_row
