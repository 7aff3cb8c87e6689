"""A link longer than Scrapy's 2,083-character default URL limit is still checked:
UrlLengthMiddleware used to drop it with a log line, so it was never reported."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import run_cli, write_config

pytestmark = pytest.mark.crawl


def test_a_very_long_link_is_checked_and_reported(tmp_path):
    long_path = "/q?" + "&".join(f"k{i}=v{i}" for i in range(400))  # ~3,500 characters
    asked: list[str] = []
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def handle(request: Request) -> Response:
        asked.append(request.full_path)
        if request.path == "/":
            return Response(f'<a href="{long_path}">long</a><a href="/gone{long_path}">long and broken</a>',
                            content_type="text/html")
        if request.path == "/q":
            return Response("<p>found</p>", content_type="text/html")
        return Response("no", status=404)

    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    try:
        config = write_config(tmp_path / "r.yaml", [{"name": "site", "url": server.url_for("/")}],
                              block_private_addresses=False, retries=0)
        result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--out", str(tmp_path / "out"))
    finally:
        server.clear()
        server.stop()
    assert len(long_path) > 2083
    with closing(sqlite3.connect(tmp_path / "h.db")) as db:
        results = dict(db.execute("SELECT url, result FROM link_checks").fetchall())
    assert results == {server.url_for(long_path): "ok", server.url_for("/gone" + long_path): "broken"}
    assert "1 broken link" in result.stdout
    assert result.stderr == ""  # nothing for cron to mail
