"""A real Datasette serves a crawled database with `healthcrawl datasette`'s metadata.

Two runs of the real CLI against a local site: between them a resource goes down
(an incident still open), the feed gains an item (a new announcement), a link's
redirect changes target (a moved link); a broken and an invalid link stay. Then
`datasette serve` runs in a subprocess and each canned query is fetched as JSON.
`healthcrawl search` reads the same database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import free_port, run_cli, write_config

pytestmark = pytest.mark.crawl

FEED_ITEMS = [
    ("Convocatoria de movilidad urbana sostenible", "/noticias/movilidad", "Mon, 12 May 2025 10:00:00 +0000"),
    ("Datos abiertos para la gestión municipal", "/noticias/datos", "Tue, 15 Apr 2025 12:00:00 +0000"),
]
NEW_ITEM = ("Nueva línea de tranvía: la energía del barrio", "/noticias/tranvia", "Wed, 21 May 2025 09:00:00 +0000")


class Site:
    """Ciudad's page and feed, the link that redirects, and Frágil, which fails in run 2."""

    def __init__(self) -> None:
        self.run = 1

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path == "/ciudad/":
            return Response("<!doctype html><html lang='es'><head><title>Ciudad</title></head><body><main>"
                            "<p>Portal de la ciudad.</p><a href='/ciudad/missing'>roto</a> "
                            "<a href='/go'>trámites</a> <a href='http://localhost]/'>mal escrito</a>"
                            "</main></body></html>", content_type="text/html; charset=utf-8")
        if path == "/ciudad/feed.xml":
            return Response(self._rss(request), content_type="application/rss+xml; charset=utf-8")
        if path == "/go":
            return Response("", status=302, headers={"Location": "/dest/a" if self.run == 1 else "/dest/b"})
        if path in ("/dest/a", "/dest/b"):
            return Response("<title>Trámites</title><p>ok</p>", content_type="text/html")
        if path == "/fragil/":
            if self.run > 1:
                return Response("maintenance", status=503)
            return Response("<title>Frágil</title><main><p>Todo bien.</p></main>", content_type="text/html")
        return Response("not found", status=404)

    def _rss(self, request: Request) -> str:
        base = request.host_url.rstrip("/")
        items = FEED_ITEMS + ([NEW_ITEM] if self.run > 1 else [])
        entries = "".join(f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
                          f"<pubDate>{date}</pubDate><description>Resumen: {title}</description></item>"
                          for title, path, date in items)
        return (f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Ciudad</title>"
                f"<link>{base}/ciudad/</link><description>d</description>{entries}</channel></rss>")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("datasette")
    site = Site()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(site)
    server.start()
    config = write_config(folder / "resources.yaml", [
        {"name": "Ciudad", "url": server.url_for("/ciudad/"), "language": "es",
         "feed": server.url_for("/ciudad/feed.xml")},
        {"name": "Frágil", "url": server.url_for("/fragil/"), "language": "es"},
    ], block_private_addresses=False, retries=1, retry_backoff=0.05, timeout=5)
    db = folder / "reports" / "health.db"
    runs = []
    try:
        for run in (1, 2):
            site.run = run
            runs.append(run_cli("run", "--config", str(config), "--db", str(db), "--out", str(db.parent)))
    finally:
        server.clear()
        server.stop()
    for result in runs:
        assert "Traceback" not in result.stderr, result.stderr
    assert "run 2 complete" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    written = run_cli("datasette", "--db", str(db))
    assert written.returncode == 0, written.stderr
    return {"db": db, "url": server.url_for, "datasette_out": written.stdout}


@pytest.fixture(scope="module")
def datasette(crawled, request):
    """`datasette serve` on the crawled database with the written metadata, on a free
    loopback port; stopped when the module's tests are done."""
    port = free_port()
    metadata = crawled["db"].parent / "datasette.yml"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "datasette"), "serve", str(crawled["db"]), "-m", str(metadata),
         "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    request.addfinalizer(stop)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"datasette exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("datasette did not answer within 30 s")
            time.sleep(0.2)
    return base


def fetch(base: str, path: str) -> list | dict:
    with urllib.request.urlopen(f"{base}{path}", timeout=10) as response:
        return json.loads(response.read())


def canned(datasette: str, name: str) -> list[dict]:
    rows = fetch(datasette, f"/health/{name}.json?_shape=array")
    print(f"/health/{name}.json?_shape=array ->", json.dumps(rows, ensure_ascii=False, indent=2))
    assert isinstance(rows, list)
    return rows


def test_the_command_says_how_to_serve_the_database(crawled):
    db = crawled["db"]
    assert f"datasette {db} -m {db.parent / 'datasette.yml'}" in crawled["datasette_out"]


def test_broken_links_now_by_resource(datasette, crawled):
    page = crawled["url"]("/ciudad/")
    rows = canned(datasette, "broken_links")
    assert [(r["resource"], r["link"], r["result"], r["http_status"], r["pages"], r["found_on"], r["run"])
            for r in rows] == [
        ("Ciudad", crawled["url"]("/ciudad/missing"), "broken", 404, 1, page, 2),
        ("Ciudad", "http://localhost]/", "invalid", None, 1, page, 2),
    ]
    assert [r["error"] for r in rows] == ["HTTP 404 Not Found", "invalid URL: host contains a forbidden code point ']'"]


def test_new_announcements_of_the_last_7_days_leave_the_first_reading_out(datasette, crawled):
    rows = canned(datasette, "new_announcements")
    assert [(r["resource"], r["title"], r["url"], r["published"], r["source"]) for r in rows] == [
        ("Ciudad", NEW_ITEM[0], crawled["url"](NEW_ITEM[1]), "2025-05-21T09:00:00Z", "feed")]


def test_uptime_by_resource_over_30_days(datasette):
    rows = canned(datasette, "uptime_30_days")
    assert [(r["resource"], r["uptime_percent"], r["checks"], r["up"], r["down"]) for r in rows] == [
        ("Frágil", 50.0, 2, 1, 1), ("Ciudad", 100.0, 2, 2, 0)]


def test_incidents_still_open(datasette):
    (row,) = canned(datasette, "open_incidents")
    assert (row["resource"], row["checks_failed"], row["first_error"]) == ("Frágil", 1,
                                                                          "HTTP 503 Service Unavailable")
    assert row["open_minutes"] < 5 and row["open_for"] == f"0 h {row['open_minutes']} min"


def test_links_whose_redirect_target_changed(datasette, crawled):
    (row,) = canned(datasette, "moved_links")
    assert (row["link"], row["previous_target"], row["new_target"], row["linked_from"]) == (
        crawled["url"]("/go"), crawled["url"]("/dest/a"), crawled["url"]("/dest/b"), "Ciudad")


def test_the_announcements_table_is_searchable_accents_folded(datasette):
    rows = fetch(datasette, "/health/announcements.json?_search=energia+tranvia&_shape=array")
    assert [r["title"] for r in rows] == [NEW_ITEM[0]]


def test_the_descriptions_are_served(datasette):
    served = fetch(datasette, "/-/metadata.json")
    assert served["databases"]["health"]["tables"]["incidents"]["columns"]["ended_at"].startswith("When the first")
    with urllib.request.urlopen(f"{datasette}/health/checks", timeout=10) as response:
        assert "One check of one resource in one run" in response.read().decode()


def test_search_reads_the_crawled_database(crawled):
    result = run_cli("search", "--db", str(crawled["db"]), "movilidad urbana OR tranvia")
    print(result.stdout)
    header, *rows = result.stdout.splitlines()
    assert result.returncode == 0 and header.split() == ["date", "resource", "title", "link"]
    # both words of the first side of OR outweigh the one word of the other
    assert [row.split("  ")[0] for row in rows] == ["2025-05-12", "2025-05-21"]
    assert "Convocatoria de movilidad" in rows[0] and rows[1].endswith(crawled["url"](NEW_ITEM[1]))
