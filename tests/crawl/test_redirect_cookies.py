"""A cookie set by a redirect goes with the rest of that redirect chain, as in a
browser, and nowhere else: sites that set a session or consent cookie and redirect
until it comes back are up, not a "redirect loop", and no cookie outlives its chain."""

from __future__ import annotations

import re
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


class CookieWeb:
    """Two hosts of one server (127.0.0.1 and localhost). /session and /gate redirect to
    themselves with a cookie until it comes back; /home sets a cookie on 127.0.0.1 and
    sends the visitor to a consent page on localhost, which sets its own and sends it
    back. Every request's Cookie header is kept, by host and path."""

    def __init__(self, port_holder: list[int]):
        self.port_holder = port_holder
        self.cookies: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        host = request.host.split(":")[0]
        cookie = request.headers.get("Cookie", "")
        with self.lock:
            self.cookies.append((host, request.path, cookie))
        port = self.port_holder[0]
        if request.path in ("/session", "/gate"):
            if "sid=1" in cookie:
                return Response('<title>In</title><a href="/gate">gate</a> <a href="/plain">plain</a>',
                                content_type="text/html")
            return Response("", status=302, headers={"Location": request.path, "Set-Cookie": "sid=1; Path=/"})
        if request.path == "/home":
            if "visit=1" in cookie:
                return Response("<title>Home</title>", content_type="text/html")
            return Response("", status=302, headers={"Location": f"http://localhost:{port}/consent",
                                                     "Set-Cookie": "visit=1; Path=/"})
        if request.path == "/consent":
            return Response("", status=302, headers={"Location": f"http://127.0.0.1:{port}/home",
                                                     "Set-Cookie": "consent=yes; Path=/"})
        if request.path == "/robots.txt":
            return Response("", status=404)
        return Response("<title>Plain</title>", content_type="text/html")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory):
    port: list[int] = []
    web = CookieWeb(port)
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(web)
    server.start()
    port.append(server.port)
    folder = tmp_path_factory.mktemp("cookies")
    config = write_config(folder / "r.yaml", [
        {"name": "session", "url": f"http://127.0.0.1:{server.port}/session", "depth": 1},
        {"name": "consent", "url": f"http://127.0.0.1:{server.port}/home"},
    ], block_private_addresses=False, retries=0, max_redirects=5)
    try:
        result = run_cli("run", "--config", str(config), "--db", str(folder / "h.db"), "--out", str(folder / "out"))
    finally:
        server.clear()
        server.stop()
    return {"result": result, "status": load_status(folder / "out"), "cookies": web.cookies}


def test_a_site_that_redirects_until_its_cookie_returns_is_up(crawl):
    assert crawl["result"].returncode == 0, crawl["result"].stdout + crawl["result"].stderr
    session = by_name(crawl["status"])["session"]
    assert session["status"] == "up" and session["http_status"] == 200 and session["title"] == "In"
    assert [hop["status"] for hop in session["redirects"]] == [302]


def test_a_cookie_comes_back_across_hosts_within_its_chain(crawl):
    consent = by_name(crawl["status"])["consent"]
    assert consent["status"] == "up" and consent["title"] == "Home"
    assert [hop["url"].split("/")[2].split(":")[0] for hop in consent["redirects"]] == ["127.0.0.1", "localhost"]
    # each host got only its own cookie
    to_consent = [cookie for host, path, cookie in crawl["cookies"] if path == "/consent"]
    assert to_consent == [""]
    back_home = [cookie for host, path, cookie in crawl["cookies"] if path == "/home"]
    assert back_home == ["", "visit=1"]


def test_no_cookie_outlives_its_chain(crawl):
    """The links of the page the cookie opened are checked anonymously: /gate sets its
    own cookie again and comes back healthy, /plain gets no cookie at all."""
    session = by_name(crawl["status"])["session"]
    assert session["links"]["checked"] == 2 and session["broken_links"] == []
    seen = crawl["cookies"]
    assert [cookie for _, path, cookie in seen if path == "/plain"] == [""]
    assert [cookie for _, path, cookie in seen if path == "/gate"] == ["", "sid=1"]
