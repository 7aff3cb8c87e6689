"""The benchmark harness (`python -m bench`) on a web of a few dozen links, so it
cannot rot: it prints the table, writes the JSON, and healthcrawl finds exactly
the links the synthetic web breaks. Nothing here is timed; the figures are only
checked for being there."""

from __future__ import annotations

import json

import pytest

from bench import peers
from bench.run import BenchConfig, run
from bench.web import WebSpec

pytestmark = pytest.mark.crawl

SIZE = 40  # 2 hosts x 2 pages x 10 links: 42 link URLs, 4 of them broken


def small_config(tmp_path, tools: list[str], **overrides) -> BenchConfig:
    return BenchConfig(sizes=[SIZE], tools=tools, hosts=2, links_per_page=10, branching=2, per_host=2,
                       latency=0.005, page_bytes=2048, leaf_bytes=256, timeout=10, tool_timeout=120,
                       out=tmp_path / "results", quiet=True, **overrides)


def test_the_small_web_has_broken_links_to_find():
    spec = WebSpec.for_links(SIZE, hosts=2, links=10, branching=2)
    truth = spec.expected(["http://a.test", "http://b.test"])
    assert len(truth["links"]) == 42
    assert len(truth["broken"]) == 4
    assert {url.split("/")[-2] for url in truth["broken"]} <= {"404", "410", "500", "redirect404"}


def test_healthcrawl_run_table_json_and_incremental(tmp_path, capsys):
    report = run(small_config(tmp_path, ["healthcrawl"], incremental_size=SIZE))
    printed = capsys.readouterr().out

    header = printed.splitlines()[0].split()
    assert header[:3] == ["links", "tool", "wall"]
    assert any(line.split()[:2] == ["42", "healthcrawl"] for line in printed.splitlines())
    assert "politeness bound H*c/latency = 2*2/0.005 s = 800 req/s" in printed

    (entry,) = report["sizes"]
    hc = entry["tools"]["healthcrawl"]
    assert hc["exit_code"] == 0  # every resource up (the harness runs with --fail-on resources)
    assert entry["expected_broken"] == 4
    assert hc["agrees_with_truth"], (hc["broken_missed"], hc["broken_extra"])
    assert hc["broken_found"] == 4
    assert hc["server"]["links_requested"] == 42 and hc["server"]["links_missed"] == 0
    assert hc["server"]["max_in_flight_per_host"] <= 2  # the per-host cap held
    assert hc["server"]["robots_requests"] == 2  # one robots.txt per host

    second = entry["incremental"]["second"]
    assert second["same_broken_as_first"]
    assert second["conditional_requests"] > 0 and second["not_modified"] > 0
    assert entry["incremental"]["second_fast"]["same_broken_as_first"]

    written = json.loads((tmp_path / "results" / "latest.json").read_text())
    assert written["sizes"][0]["tools"]["healthcrawl"]["broken_found"] == 4
    assert written["table"] == report["table"]
    assert {t["target"].split(":")[0] for t in written["targets"]} >= {"42 links", "no-change second run"}
    assert list((tmp_path / "results").glob("bench-*.json"))


@pytest.mark.parametrize("tool", ["linkchecker", "linkinator"])
def test_peer_finds_the_same_broken_links(tmp_path, capsys, tool):
    if (peers.linkchecker_path() if tool == "linkchecker" else peers.linkinator_path()) is None:
        pytest.skip(f"{tool} not installed (python -m bench install-peers)")
    report = run(small_config(tmp_path, [tool], incremental_size=None))
    printed = capsys.readouterr().out
    assert any(line.split()[:2] == ["42", tool] for line in printed.splitlines())
    figures = report["sizes"][0]["tools"][tool]
    assert not figures["timed_out"]
    assert figures["agrees_with_truth"], (figures["broken_missed"], figures["broken_extra"])
    assert (tmp_path / "results" / "latest.json").exists()
