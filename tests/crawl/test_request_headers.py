"""What every request says about us: the configured User-Agent (on the resource,
its links, redirects and robots.txt), an Accept header, and no Referer (a link
check does not tell one site what another links to)."""

from __future__ import annotations

import re

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import run_cli, write_config

pytestmark = pytest.mark.crawl
AGENT = "healthcrawl-test/1.0 (+https://example.org/bot)"


def test_user_agent_on_every_request_and_no_referer(tmp_path):
    seen: list[tuple[str, str, dict[str, str]]] = []
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def handle(request: Request) -> Response:
        seen.append((request.method, request.path, dict(request.headers)))
        if request.path == "/":
            return Response('<a href="/a">a</a><a href="/b">b</a><a href="/r">r</a>', content_type="text/html")
        if request.path == "/r":
            return Response("", status=302, headers={"Location": "/c"})
        if request.path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain")
        return Response("<p>x</p>", content_type="text/html")

    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    try:
        config = write_config(tmp_path / "r.yaml", [{"name": "site", "url": server.url_for("/"), "depth": 1}],
                              user_agent=AGENT, block_private_addresses=False, retries=0)
        result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--out", str(tmp_path / "out"))
    finally:
        server.clear()
        server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # no warning about Referer handling on every run
    assert {path for _, path, _ in seen} == {"/", "/a", "/b", "/r", "/c", "/robots.txt"}
    for method, path, headers in seen:
        assert headers.get("User-Agent") == AGENT, (method, path, headers)
        assert "Referer" not in headers, (method, path)
        assert headers.get("Accept"), (method, path)
