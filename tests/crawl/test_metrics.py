"""reports/metrics.prom after a real crawl (one resource up with a broken link, one
down), read with prometheus_client's parser; `healthcrawl report` writes the same."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import load_status, refused_port, run_cli, write_config

pytestmark = pytest.mark.crawl

HOME = ('<html><head><title>Home</title></head><body><a href="/about">About</a>'
        '<a href="/gone">Gone</a><a href="http://[::1">Typo</a></body></html>')


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    web = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    web.expect_request("/").respond_with_response(Response(HOME, content_type="text/html"))
    web.expect_request("/about").respond_with_response(Response("<title>About</title>", content_type="text/html"))
    web.expect_request("/gone").respond_with_response(Response("no", status=404))
    web.start()
    folder = tmp_path_factory.mktemp("metrics")
    config = write_config(folder / "resources.yaml", [
        {"name": "Up Site", "url": web.url_for("/")},
        {"name": "Down Site", "url": f"http://127.0.0.1:{refused_port()}/"},
    ], timeout=5, retries=0)
    out = folder / "out"
    out.mkdir()
    (out / "metrics.prom").write_text("healthcrawl_stale_metric 1\n" * 1000, encoding="utf-8")
    before = time.time()
    result = run_cli("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out))
    web.clear()
    web.stop()
    return {"result": result, "out": out, "config": config, "before": before, "after": time.time()}


def parse(path: Path) -> dict[str, tuple[str, dict[tuple, float]]]:
    return {f.name: (f.type, {(s.name, tuple(sorted(s.labels.items()))): s.value for s in f.samples})
            for f in text_string_to_metric_families(path.read_text(encoding="utf-8"))}


def test_the_crawl_writes_its_metrics(crawl) -> None:
    assert crawl["result"].returncode == 1  # a resource down, a link broken
    metrics = parse(crawl["out"] / "metrics.prom")
    assert "healthcrawl_stale_metric" not in metrics, "the previous file was replaced whole"
    assert {kind for kind, _ in metrics.values()} == {"gauge"}

    def one(name: str, **labels: str) -> float:
        return metrics[name][1][(name, tuple(sorted(labels.items())))]

    status = load_status(crawl["out"])
    assert one("healthcrawl_run_complete") == 1
    finished = one("healthcrawl_run_finished_timestamp_seconds")
    assert crawl["before"] - 1 <= finished <= crawl["after"]
    assert finished == datetime.fromisoformat(status["run"]["finished_at"].replace("Z", "+00:00")).timestamp()
    assert 0 <= one("healthcrawl_run_duration_seconds") <= crawl["after"] - crawl["before"] + 1
    assert {labels: v for (_, labels), v in metrics["healthcrawl_resources"][1].items()} == {
        (("state", "down"),): 1, (("state", "degraded"),): 0, (("state", "up"),): 1, (("state", "unchecked"),): 0}

    assert set(metrics["healthcrawl_resource_info"][1]) == {
        ("healthcrawl_resource_info", (("name", r["name"]), ("resource", r["slug"]), ("url", r["url"])))
        for r in status["resources"]}
    assert {dict(labels)["resource"]: dict(labels)["state"]
            for (_, labels), v in metrics["healthcrawl_resource_state"][1].items() if v == 1} == {
        "up-site": "up", "down-site": "down"}
    assert len(metrics["healthcrawl_resource_state"][1]) == 2 * 4

    # the response time of what answered only; no certificate on plain HTTP
    (response,) = metrics["healthcrawl_resource_response_time_seconds"][1].items()
    assert response[0][1] == (("resource", "up-site"),) and 0 < response[1] < 5
    assert metrics["healthcrawl_resource_tls_expiry_timestamp_seconds"][1] == {}

    assert one("healthcrawl_resource_links", resource="up-site", result="broken") == 1
    assert one("healthcrawl_resource_links", resource="up-site", result="invalid") == 1
    assert one("healthcrawl_resource_links", resource="up-site", result="blocked") == 0
    assert one("healthcrawl_resource_links", resource="down-site", result="broken") == 0
    assert one("healthcrawl_resource_announcements", resource="down-site") == 0
    assert one("healthcrawl_resource_new_announcements", resource="up-site") == 0  # a first run: baseline


def test_report_rewrites_the_same_metrics_from_the_database(crawl) -> None:
    out = crawl["out"]
    written = (out / "metrics.prom").read_text(encoding="utf-8")
    (out / "metrics.prom").unlink()
    result = run_cli("report", "--db", str(out / "health.db"), "--out", str(out), "--verbose")  # lists every file
    assert result.returncode == 0, result.stderr
    assert str(out / "metrics.prom") in result.stdout
    assert (out / "metrics.prom").read_text(encoding="utf-8") == written
