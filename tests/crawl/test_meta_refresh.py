"""A followed <meta http-equiv=refresh> is a redirect: one real crawl through the CLI
against a local server, then assertions on the stored checks and status.json."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


def page(body: str, status: int = 200, **headers: str) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8", headers=headers)


def refresh(delay: int, target: str) -> Response:
    return page(f'<html><head><meta http-equiv="refresh" content="{delay}; url={target}">'
                f"<title>Moving</title></head><body>Moved to <a href='{target}'>here</a></body></html>")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    web = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    web.expect_request("/refresh").respond_with_response(refresh(0, "/target"))
    web.expect_request("/target").respond_with_response(page("<title>Target</title>"))
    web.expect_request("/moved").respond_with_response(page("", status=302, Location="/refresh"))
    web.expect_request("/refresh-loop").respond_with_response(refresh(1, "/refresh-loop"))
    web.expect_request("/later").respond_with_response(refresh(300, "/target"))  # past METAREFRESH_MAXDELAY
    web.start()
    base = web.url_for("")
    resources = [
        {"name": "refresh", "url": f"{base}refresh"},
        {"name": "chain", "url": f"{base}moved"},
        {"name": "loop", "url": f"{base}refresh-loop"},
        {"name": "later", "url": f"{base}later"},
    ]
    folder = tmp_path_factory.mktemp("meta-refresh")
    config = write_config(folder / "resources.yaml", resources, timeout=5, retries=0, max_redirects=3)
    out = folder / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "health.db"), "--out", str(out))
    web.clear()
    web.stop()
    assert (out / "status.json").exists(), result.stderr
    db = sqlite3.connect(out / "health.db")
    db.row_factory = sqlite3.Row
    checks = {row["resource_id"]: dict(row) for row in db.execute("SELECT * FROM checks")}
    db.close()
    return {"result": result, "base": base, "status": by_name(load_status(out)), "checks": checks}


def test_a_followed_meta_refresh_is_one_redirect_hop(crawl):
    base = crawl["base"]
    stored = crawl["checks"]["refresh"]
    assert stored["final_url"] == f"{base}target"
    assert json.loads(stored["redirects"]) == [{"url": f"{base}refresh", "status": 200, "via": "meta refresh"}]
    entry = crawl["status"]["refresh"]
    assert entry["status"] == "up" and entry["http_status"] == 200 and entry["title"] == "Target"
    assert entry["final_url"] == f"{base}target"
    assert entry["redirects"] == [{"url": f"{base}refresh", "status": 200, "via": "meta refresh"}]


def test_meta_refresh_after_a_302_keeps_the_order_of_hops(crawl):
    base = crawl["base"]
    entry = crawl["status"]["chain"]
    assert entry["redirects"] == [{"url": f"{base}moved", "status": 302}, {"url": f"{base}refresh", "status": 200, "via": "meta refresh"}]
    assert entry["final_url"] == f"{base}target"


def test_a_meta_refresh_loop_is_a_redirect_loop(crawl):
    base = crawl["base"]
    entry = crawl["status"]["loop"]
    assert entry["status"] == "down"
    assert entry["error"] == f"redirect loop: {base}refresh-loop -> {base}refresh-loop"
    assert entry["redirects"] and all(hop == {"url": f"{base}refresh-loop", "status": 200, "via": "meta refresh"}
                                      for hop in entry["redirects"])


def test_a_refresh_that_is_not_followed_is_no_hop(crawl):
    entry = crawl["status"]["later"]
    assert entry["status"] == "up" and entry["redirects"] == []
    assert entry["final_url"] == entry["url"]


def test_the_run_ends_cleanly(crawl):
    assert "Traceback" not in crawl["result"].stderr
    assert crawl["result"].returncode == 1, crawl["result"].stderr  # the loop is down
