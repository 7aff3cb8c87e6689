"""Hrefs no browser could follow are links with result `invalid` and the parser's
reason, found on their pages, counted in the summary and the exit code: not
hidden among skipped links. Parsed as browsers parse them (WHATWG URL Standard)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl

PAGE = ('<a href="http://">empty host</a> <a href="http://localhost]">bad host</a> '
        '<a href="/ok">fine</a> <a href="mailto:a@example.org">mail</a> <a href="http://">again</a>')


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("invalid")
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def handle(request: Request) -> Response:
        if request.path == "/":
            return Response(PAGE, content_type="text/html")
        return Response("<p>ok</p>", content_type="text/html")

    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    try:
        config = write_config(folder / "r.yaml", [{"name": "site", "url": server.url_for("/")}],
                              block_private_addresses=False, retries=0)
        result = run_cli("run", "--config", str(config), "--db", str(folder / "h.db"), "--out", str(folder))
        lenient = run_cli("run", "--config", str(config), "--db", str(folder / "h.db"), "--out", str(folder),
                          "--fail-on", "resources")
    finally:
        server.clear()
        server.stop()
    return {"result": result, "lenient": lenient, "status": load_status(folder), "db": folder / "h.db"}


def test_invalid_hrefs_are_reported_with_the_parser_reason(crawl):
    site = by_name(crawl["status"])["site"]
    invalid = {link["url"]: link for link in site["invalid_links"]}
    assert set(invalid) == {"http://", "http://localhost]"}
    assert invalid["http://localhost]"]["error"] == "invalid URL: host contains a forbidden code point ']'"
    assert invalid["http://"]["error"].startswith("invalid URL")
    assert all(link["found_on"] == [site["final_url"]] for link in invalid.values())
    assert site["links"]["invalid"] == 2 and site["links"]["skipped"] == 1  # mailto: only
    assert site["links"]["checked"] == 1 and site["links"]["broken"] == 0


def test_they_count_in_the_summary_and_the_exit_code(crawl):
    assert "0 broken links, 2 invalid;" in crawl["result"].stdout
    assert crawl["status"]["summary"]["invalid_links"] == 2 and crawl["status"]["summary"]["broken_links"] == 0
    assert crawl["result"].returncode == 1
    assert crawl["lenient"].returncode == 0  # --fail-on resources: the resource itself is up


def test_they_are_stored_once_each_and_never_requested(crawl):
    with closing(sqlite3.connect(crawl["db"])) as db:
        rows = db.execute("SELECT url, result, method FROM link_checks WHERE run_id = 1 AND result = 'invalid'"
                          " ORDER BY url").fetchall()
    assert rows == [("http://", "invalid", "none"), ("http://localhost]", "invalid", "none")]
