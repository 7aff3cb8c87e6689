"""The published folder holds only what a visitor may read.

A project is set up as the README says (a folder with resources.yaml, `healthcrawl
run` with no paths), its reports/ is served by a plain static web server, and a
visitor reads it: follows every link from index.html, asks for the names private
files would have, and the test lists every file the server could serve. No
database, lock, log or datasette.yml may be there, and no file may hold a
notification channel's URL (it can carry a token). A setup from before data/
existed has its database moved out on its next run, history intact.
"""

from __future__ import annotations

import contextlib
import http.server
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.conftest import run_cli, write_config

pytestmark = pytest.mark.crawl

SECRET = "s3cr3t-T0KEN-4f9a"  # in the webhook's URL: it must never be published
PUBLIC_SUFFIXES = {".html", ".json", ".xml", ".prom", ".css"}
PRIVATE_NAMES = ["health.db", "health.db-wal", "health.db-shm", "health.db.lock", "datasette.yml", "cron.log",
                 "data/health.db", "../data/health.db", "resources.yaml"]


@pytest.fixture(scope="module")
def web() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/").respond_with_response(Response(
        '<html lang="en"><head><title>City news</title></head><body><main>'
        '<article><h2><a href="/news/1">Bike lanes open downtown</a></h2><time datetime="2026-12-01">1 Dec</time>'
        '</article><a href="/gone">an old page</a></main></body></html>', content_type="text/html"))
    server.expect_request("/gone").respond_with_response(Response("gone", status=404))
    server.expect_request("/hook", method="POST").respond_with_response(Response("ok"))
    server.expect_request("").respond_with_response(Response("<title>ok</title>", content_type="text/html"))
    server.start()
    yield server
    server.clear()
    server.stop()


def project(folder: Path, web: HTTPServer) -> Path:
    """A project folder as a user has it: resources.yaml with a webhook whose URL holds a token."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder / "resources.yaml", [{"name": "City", "url": web.url_for("/")}],
                          block_private_addresses=False)
    text = config.read_text()
    config.write_text(text + f"notify:\n  webhooks: ['{web.url_for('/hook')}?token={SECRET}']\n")
    return folder


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Any static web server: Python's, serving `root` as its web root."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def visit(base: str) -> dict[str, bytes]:
    """Every page and file reachable from index.html on the same server."""
    seen: dict[str, bytes] = {}
    queue = [base]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        status, body = fetch(url)
        assert status == 200, f"a published link is broken: {url} ({status})"
        seen[url] = body
        if url.endswith("/") or url.endswith(".html"):
            parser = _Links()
            parser.feed(body.decode("utf-8", errors="replace"))
            for href in parser.found:
                target = urljoin(url, href).split("#")[0]
                if urlsplit(target).netloc == urlsplit(base).netloc:
                    queue.append(target)
    return seen


def test_the_web_root_serves_the_report_and_nothing_private(web, tmp_path):
    folder = project(tmp_path / "site", web)
    first = run_cli("run", cwd=folder)
    second = run_cli("run", cwd=folder)  # history, and a delivery to the webhook, are in the database
    assert first.returncode == second.returncode == 1, second.stderr  # the broken link
    assert "warning" not in second.stderr
    data, published = folder / "data", folder / "reports"
    assert (data / "health.db").is_file()
    with sqlite3.connect(data / "health.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2

    files = sorted(p.relative_to(published).as_posix() for p in published.rglob("*") if p.is_file())
    assert "index.html" in files and "status.json" in files, files
    assert all(Path(name).suffix in PUBLIC_SUFFIXES for name in files), files
    with static_server(published) as base:
        reached = visit(base)
        for name in PRIVATE_NAMES:
            assert fetch(base + name)[0] == 404, f"{name} is served"
    assert len(reached) >= 3  # the page, a detail page, and the feeds or status.json it links
    for name in files:
        body = (published / name).read_bytes()
        assert SECRET.encode() not in body, f"{name} holds the webhook's token"
        assert not body.startswith(b"SQLite format 3"), name


def test_a_database_in_the_old_place_is_moved_out_once_with_its_history(web, tmp_path):
    folder = project(tmp_path / "old", web)
    legacy = folder / "reports" / "health.db"
    old_layout = run_cli("run", "--db", str(legacy), "--out", str(folder / "reports"), cwd=folder)
    assert "inside the published folder" in old_layout.stderr  # said on every run that does it
    assert legacy.is_file()
    (folder / "reports" / "datasette.yml").write_text("title: old\n")

    moved = run_cli("run", cwd=folder)
    assert moved.returncode == 1, moved.stderr
    assert "moved out of the published folder: reports/health.db -> data/health.db" in moved.stderr
    assert "reports/datasette.yml -> data/datasette.yml" in moved.stderr
    assert not any(p.name.startswith("health.db") for p in (folder / "reports").iterdir())
    assert (folder / "data" / "datasette.yml").read_text() == "title: old\n"
    with sqlite3.connect(folder / "data" / "health.db") as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")] == [1, 2]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    again = run_cli("run", cwd=folder)
    assert "moved" not in again.stderr and "warning" not in again.stderr


def test_a_database_that_cannot_be_moved_is_used_where_it_is(web, tmp_path):
    folder = project(tmp_path / "stuck", web)
    legacy = folder / "reports" / "health.db"
    run_cli("run", "--db", str(legacy), "--out", str(folder / "reports"), cwd=folder)
    (folder / "data").write_text("a file where the folder would go")
    kept = run_cli("run", cwd=folder)
    assert "could not move reports/health.db to data/health.db" in kept.stderr
    assert "Traceback" not in kept.stderr
    with sqlite3.connect(legacy) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2  # no history lost
