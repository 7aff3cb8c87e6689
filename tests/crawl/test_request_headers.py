"""What every request says about us: the configured User-Agent (on the resource,
its links, redirects and robots.txt), an Accept header, and no Referer (a link
check does not tell one site what another links to); and where it goes: through the
proxy the environment names, except to the hosts no_proxy lists."""

from __future__ import annotations

import http.client
import http.server
import re
import threading
from urllib.parse import urlsplit

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


class _ForwardProxy(http.server.BaseHTTPRequestHandler):
    """An HTTP forward proxy: records the absolute URL of each request and fetches it."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._forward()

    def do_HEAD(self) -> None:  # noqa: N802
        self._forward()

    def _forward(self) -> None:
        self.seen.append(self.path)
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        upstream.request(self.command, target.path or "/", headers={"User-Agent": self.headers["User-Agent"]})
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        upstream.close()

    def log_message(self, *args: object) -> None:
        pass


def test_proxy_from_the_environment_except_no_proxy_hosts(tmp_path):
    """http_proxy sends requests through the proxy; a host in no_proxy is reached
    directly (the middleware decides that once per host, from the environment)."""
    proxied, direct = HTTPServer(host="127.0.0.2", port=0), HTTPServer(host="127.0.0.3", port=0)
    direct_seen: list[str] = []
    proxied.expect_request("/proxied-page").respond_with_data("<p>ok</p>", content_type="text/html")
    direct.expect_request("/direct-page").respond_with_handler(
        lambda request: (direct_seen.append(request.path), Response("<p>ok</p>", content_type="text/html"))[1])
    for server, name in ((proxied, "proxied"), (direct, "direct")):
        server.expect_request("/").respond_with_data(f'<a href="/{name}-page">x</a>', content_type="text/html")
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.start()
    _ForwardProxy.seen = []
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        config = write_config(tmp_path / "r.yaml", [
            {"name": "proxied", "url": proxied.url_for("/"), "depth": 1},
            {"name": "direct", "url": direct.url_for("/"), "depth": 1},
        ], block_private_addresses=False, retries=0)
        env = {"http_proxy": f"http://127.0.0.1:{proxy.server_address[1]}", "no_proxy": "127.0.0.3",
               "HTTP_PROXY": "", "NO_PROXY": ""}
        result = run_cli("run", "--config", str(config), "--db", str(tmp_path / "h.db"), "--out", str(tmp_path),
                         env=env)
    finally:
        proxy.shutdown()
        for server in (proxied, direct):
            server.clear()
            server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    through_proxy = {urlsplit(url).hostname for url in _ForwardProxy.seen}
    assert through_proxy == {"127.0.0.2"}, _ForwardProxy.seen
    assert {urlsplit(url).path for url in _ForwardProxy.seen} >= {"/", "/proxied-page"}
    assert direct_seen == ["/direct-page"]  # fetched by the crawler itself, not the proxy
