"""metrics.prom from a status document built on fixture data: the families, their
types, labels and values, read back with prometheus_client's own parser; and the
file is replaced whole, never written in place."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from crawler.core.config import parse_config
from crawler.core.items import AnnouncementsResult, CheckResult, LinkPageResult, LinkResult
from crawler.record.recorder import RunRecorder
from crawler.report.metrics import METRICS_FILE, build_registry, write_metrics
from crawler.report.status import build_status
from crawler.report.writer import write_reports
from crawler.store.database import Store

CONFIG = parse_config(
    "resources:\n"
    "  - name: Alpha Ministry\n    url: https://alpha.example/\n"
    "  - name: Beta\n    url: http://beta.example/\n"
    "  - name: Gamma\n    url: http://gamma.example/\n"
    "  - name: Unchecked\n    url: http://never.example/\n",
    Path("r.yaml"),
)
NOW = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
TLS_EXPIRY = "2027-01-02T03:04:05Z"


def announcement(n: int) -> dict:
    return {"key": f"k{n}", "title": f"News {n}", "url": f"https://alpha.example/n/{n}",
            "published": None, "summary": "", "guid": None, "source": "html"}


def link(url: str, result: str, status: int | None = 200) -> LinkResult:
    return LinkResult(url, result, NOW, "HEAD", http_status=status, final_url=url)


def record_run(store: Store, *, alpha_news: int, check_all: bool = False) -> int:
    """alpha up over TLS with links of every kind, beta down, gamma up, the fourth not
    checked (the run is incomplete) unless `check_all`."""
    recorder = RunRecorder(store, CONFIG)
    if check_all:
        recorder.record(CheckResult("unchecked", "http://never.example/", NOW, http_status=200, response_ms=1))
    recorder.record(CheckResult("alpha-ministry", "https://alpha.example/", NOW, final_url="https://alpha.example/",
                                http_status=200, response_ms=250, tls_expires_at=TLS_EXPIRY))
    recorder.record(CheckResult("beta", "http://beta.example/", NOW, error="connection refused", error_kind="refused"))
    recorder.record(CheckResult("gamma", "http://gamma.example/", NOW, final_url="http://gamma.example/",
                                http_status=200, response_ms=40))
    recorder.record(AnnouncementsResult("alpha-ministry", "html", [announcement(n) for n in range(alpha_news)]))
    recorder.record(LinkPageResult("alpha-ministry", "https://alpha.example/", 0, [
        ("https://alpha.example/ok", "", "OK"), ("https://alpha.example/gone", "", "Gone"),
        ("https://alpha.example/500", "", "Error"), ("http://", "", "Empty"), ("https://walled.example/", "", "")], {}))
    for item in (link("https://alpha.example/ok", "ok"), link("https://alpha.example/gone", "broken", 404),
                 link("https://alpha.example/500", "broken", 500), link("http://", "invalid", None),
                 link("https://walled.example/", "blocked", 403)):
        recorder.record(item)
    recorder.finish("finished")
    return recorder.run_id


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "health.db") as store:
        yield store


def families(text: str) -> dict[str, dict]:
    """name -> {"type", "samples": {(sample name, sorted labels): value}}"""
    parsed = {}
    for family in text_string_to_metric_families(text):
        parsed[family.name] = {"type": family.type, "documentation": family.documentation,
                               "samples": {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}}
    return parsed


def value(parsed: dict, family: str, sample: str | None = None, **labels: str) -> float:
    return parsed[family]["samples"][(sample or family, tuple(sorted(labels.items())))]


def test_the_metrics_of_a_run_built_from_stored_fixture_data(store: Store, tmp_path: Path) -> None:
    # a first, complete run records the baseline (nothing is new on a resource's first
    # run); the second finds 12 items, 2 of them new: more than the document lists
    record_run(store, alpha_news=10, check_all=True)
    run_id = record_run(store, alpha_news=12)
    status = build_status(store)
    assert status["run"]["id"] == run_id and status["run"]["complete"] is False  # one resource not checked
    path = write_metrics(store, status, tmp_path / "out")
    assert path == tmp_path / "out" / METRICS_FILE
    parsed = families(path.read_text(encoding="utf-8"))

    assert all(f["type"] == "gauge" for f in parsed.values()), "one run's numbers: gauges, no counters"
    assert all(name.startswith("healthcrawl_") and not name.endswith("_total") for name in parsed)
    assert all(f["documentation"] for f in parsed.values())

    # per run
    started = datetime.fromisoformat(status["run"]["started_at"].replace("Z", "+00:00")).timestamp()
    finished = datetime.fromisoformat(status["run"]["finished_at"].replace("Z", "+00:00")).timestamp()
    assert value(parsed, "healthcrawl_run_started_timestamp_seconds") == started
    assert value(parsed, "healthcrawl_run_finished_timestamp_seconds") == finished
    assert value(parsed, "healthcrawl_run_duration_seconds") == finished - started
    assert value(parsed, "healthcrawl_run_complete") == 0
    assert parsed["healthcrawl_resources"]["samples"] == {
        ("healthcrawl_resources", (("state", state),)): n
        for state, n in {"down": 1, "degraded": 0, "up": 2, "unchecked": 1}.items()
    }

    # per resource: labelled by slug; the name only on the info series
    info = parsed["healthcrawl_resource_info"]["samples"]
    assert info[("healthcrawl_resource_info", (("name", "Alpha Ministry"), ("resource", "alpha-ministry"),
                                               ("url", "https://alpha.example/")))] == 1
    assert len(info) == 4
    states = {labels: v for (_, labels), v in parsed["healthcrawl_resource_state"]["samples"].items()}
    assert len(states) == 4 * 4
    current = {dict(labels)["resource"]: dict(labels)["state"] for labels, v in states.items() if v == 1}
    assert current == {"alpha-ministry": "up", "beta": "down", "gamma": "up", "unchecked": "unchecked"}
    assert value(parsed, "healthcrawl_resource_maintenance", resource="alpha-ministry") == 0

    # known values only: no response time for what did not answer, no expiry without TLS
    assert parsed["healthcrawl_resource_response_time_seconds"]["samples"] == {
        ("healthcrawl_resource_response_time_seconds", (("resource", "alpha-ministry"),)): 0.25,
        ("healthcrawl_resource_response_time_seconds", (("resource", "gamma"),)): 0.04,
    }
    expiry = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    assert parsed["healthcrawl_resource_tls_expiry_timestamp_seconds"]["samples"] == {
        ("healthcrawl_resource_tls_expiry_timestamp_seconds", (("resource", "alpha-ministry"),)): expiry,
    }

    for result, n in {"broken": 2, "invalid": 1, "blocked": 1}.items():
        assert value(parsed, "healthcrawl_resource_links", resource="alpha-ministry", result=result) == n
        assert value(parsed, "healthcrawl_resource_links", resource="gamma", result=result) == 0
    assert {dict(labels)["result"] for _, labels in parsed["healthcrawl_resource_links"]["samples"]} == {
        "broken", "invalid", "blocked"}

    assert len(status["resources"][0]["announcements"]) == 10  # the document's list is cut short...
    assert value(parsed, "healthcrawl_resource_announcements", resource="alpha-ministry") == 12  # ...the count not
    assert value(parsed, "healthcrawl_resource_new_announcements", resource="alpha-ministry") == 2
    assert value(parsed, "healthcrawl_resource_announcements", resource="beta") == 0


def test_a_database_without_a_run_gives_resources_and_no_run_values(store: Store) -> None:
    store.start_run(CONFIG)
    store.db.execute("DELETE FROM runs")
    status = build_status(store)
    assert status["run"] is None
    from prometheus_client import generate_latest

    parsed = families(generate_latest(build_registry(status, [])).decode())
    assert parsed["healthcrawl_run_complete"]["samples"] == {}
    assert value(parsed, "healthcrawl_resources", state="unchecked") == 4


def test_labels_are_escaped_and_bounded_by_the_configured_resources(store: Store, tmp_path: Path) -> None:
    config = parse_config('resources:\n  - name: \'Ministère "Été" \\ x\'\n    url: http://m.example/a?b="c"\n',
                          Path("r.yaml"))
    recorder = RunRecorder(store, config)
    recorder.record(CheckResult("ministere-ete-x", "http://m.example/", NOW, http_status=200, response_ms=5,
                                final_url="http://m.example/", title='<script>"x"</script>'))
    recorder.finish("finished")
    parsed = families(write_metrics(store, build_status(store), tmp_path).read_text(encoding="utf-8"))
    (labels,) = [dict(labels) for _, labels in parsed["healthcrawl_resource_info"]["samples"]]
    assert labels == {"resource": "ministere-ete-x", "name": 'Ministère "Été" \\ x',
                      "url": 'http://m.example/a?b="c"'}
    label_names = {name for f in parsed.values() for (_, labels) in f["samples"] for name, _ in labels}
    assert label_names == {"resource", "name", "url", "state", "result"}


def test_an_existing_metrics_file_is_replaced_whole_by_a_rename(store: Store, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    record_run(store, alpha_news=1)
    target = tmp_path / METRICS_FILE
    target.write_text("# an older run's metrics\n" + "healthcrawl_old_metric 1\n" * 10_000, encoding="utf-8")
    old_inode = target.stat().st_ino
    renames = []
    real_rename = os.rename

    def watched_rename(source, destination):
        # at the moment of the rename the reader still sees the old file, whole, and the
        # new one is complete beside it, under a name the textfile collector ignores
        assert target.read_text(encoding="utf-8").count("healthcrawl_old_metric") == 10_000
        staged = Path(source).read_text(encoding="utf-8")
        assert staged.rstrip().splitlines()[-1].startswith("healthcrawl_resource_new_announcements")
        assert Path(source).parent == tmp_path and not Path(source).name.endswith(".prom")
        renames.append((Path(source).name, Path(destination)))
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", watched_rename)
    write_metrics(store, build_status(store), tmp_path)
    assert [dest for _, dest in renames] == [target]
    text = target.read_text(encoding="utf-8")
    assert "healthcrawl_old_metric" not in text and "healthcrawl_run_complete" in text
    assert target.stat().st_ino != old_inode  # a new file took its place; the old one was not rewritten
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(METRICS_FILE)) == [METRICS_FILE]


def test_write_reports_writes_the_metrics_with_the_page(store: Store, tmp_path: Path) -> None:
    record_run(store, alpha_news=0)
    written = write_reports(store, tmp_path)
    assert tmp_path / METRICS_FILE in written
    parsed = families((tmp_path / METRICS_FILE).read_text(encoding="utf-8"))
    assert value(parsed, "healthcrawl_resources", state="up") == 2
