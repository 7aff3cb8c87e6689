"""#fragment verdicts that do not depend on the order responses arrive in.

A local web whose every answer is delayed by a random 0-80 ms (seeded), crawled
three times by the real CLI: each run must give every fragment link the same
verdict, including links to the resource page itself (plain first, then
``#missing`` and ``#present``), percent-encoded fragments, ``<a name>`` anchors, a
page that is followed, a page on another host first linked plainly (HEAD), and,
on a second run against the same database, pages that answer 304.
"""

from __future__ import annotations

import random
import re
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


def _html(body: str, etag: str | None = None) -> Response:
    headers = {"ETag": f'"{etag}"'} if etag else {}
    return Response(f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>",
                    content_type="text/html; charset=utf-8", headers=headers)


class Host:
    """Answers after a random delay; logs (method, path, status)."""

    def __init__(self, address: str, pages: dict[str, str], seed: int):
        self.pages = pages
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, int]] = []
        self.server = HTTPServer(host=address, port=0, threaded=True)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)
        self.server.start()

    def _handle(self, request: Request) -> Response:
        with self.lock:
            delay = self.rng.uniform(0, 0.08)
        time.sleep(delay)
        body = self.pages.get(request.path)
        if body is None:
            response = Response("not found", status=404)
        else:
            etag = request.path.strip("/").replace("/", "-") or "root"
            if request.headers.get("If-None-Match") == f'"{etag}"':
                response = Response(status=304, headers={"ETag": f'"{etag}"'})
            else:
                response = _html(body, etag)
        with self.lock:
            self.log.append((request.method, request.path, response.status_code))
        return response

    def url(self, path: str) -> str:
        return f"http://{self.server.host}:{self.server.port}{path}"

    def stop(self) -> None:
        self.server.clear()
        self.server.stop()


@pytest.fixture(scope="module")
def hosts():
    other = Host("127.0.0.2", {"/doc.html": '<h2 id="there">x</h2>', "/robots.txt": ""}, seed=2)
    main_pages = {
        # links to itself plainly first, then with fragments (LinkChecker's urlencoding_anchor.html shape)
        "/self.html": ('<h1 id="present">x</h1><p id="café">y</p><a name="named">z</a>'
                       '<a href="self.html">me</a><a href="self.html#missing">bad</a>'
                       '<a href="self.html#present">good</a><a href="#named">name</a>'
                       '<a href="self.html#caf%C3%A9">encoded</a><a href="#nowhere">bad too</a>'),
        "/site/": ('<a href="/site/followed.html">f</a><a href="/site/followed.html#sec">f ok</a>'
                   '<a href="/site/followed.html#nope">f bad</a>'
                   f'<a href="{other.url("/doc.html")}">plain elsewhere</a>'),
        "/site/followed.html": ('<h2 id="sec">s</h2>'
                                f'<a href="{other.url("/doc.html#there")}">elsewhere ok</a>'
                                f'<a href="{other.url("/doc.html#gone")}">elsewhere bad</a>'
                                '<a href="/site/#top">top</a>'),
        "/robots.txt": "",
    }
    main = Host("127.0.0.1", main_pages, seed=1)
    yield main, other
    main.stop()
    other.stop()


EXPECTED_BROKEN = {
    ("self", "self.html#missing"), ("self", "self.html#nowhere"),
    ("site", "followed.html#nope"), ("site", "doc.html#gone"),
}


def _broken(status: dict) -> set[tuple[str, str]]:
    return {(name, link["url"].rsplit("/", 1)[-1]) for name, r in by_name(status).items()
            for link in r["broken_links"]}


def _run(hosts, folder: Path, db: Path) -> tuple[dict, list[tuple[str, str, int]]]:
    main, other = hosts
    for host in hosts:
        host.log.clear()
    config = write_config(folder / "resources.yaml", [
        {"name": "self", "url": main.url("/self.html"), "check_fragments": True},
        {"name": "site", "url": main.url("/site/"), "depth": 1, "check_fragments": True},
    ], block_private_addresses=False, retries=0, timeout=10)
    result = run_cli("run", "--config", str(config), "--db", str(db), "--out", str(folder / "out"))
    assert "Traceback" not in result.stderr, result.stderr
    return load_status(folder / "out"), main.log + other.log


@pytest.mark.parametrize("attempt", range(3))
def test_every_fragment_gets_its_verdict_whatever_the_order(hosts, tmp_path, attempt):
    status, log = _run(hosts, tmp_path, tmp_path / "health.db")
    assert _broken(status) == EXPECTED_BROKEN
    # the resource page is checked once, by its own request: no second GET for its self-links
    assert [entry for entry in log if entry[1] == "/self.html"] == [("GET", "/self.html", 200)]
    # a page linked plainly and with fragments on one level is requested once, with GET
    assert [m for m, p, _ in log if p == "/site/followed.html"] == ["GET"]
    # linked plainly on the resource page (HEAD), with #fragments one level down: read once with GET
    assert sorted(m for m, p, _ in log if p == "/doc.html") == ["GET", "HEAD"]


def test_pages_answering_304_keep_their_fragment_verdicts(hosts, tmp_path):
    db = tmp_path / "health.db"
    _run(hosts, tmp_path, db)
    status, log = _run(hosts, tmp_path, db)
    assert _broken(status) == EXPECTED_BROKEN
    assert ("GET", "/site/followed.html", 304) in log  # its ids came from the first run
