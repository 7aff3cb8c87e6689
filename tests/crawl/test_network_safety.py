"""block_private_addresses: a page cannot make healthcrawl probe the network it runs in."""

from __future__ import annotations

import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def web():
    seen_hosts: list[str] = []
    lock = threading.Lock()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def page(request: Request) -> Response:
        with lock:
            seen_hosts.append(f"{request.method} {request.host}{request.path}")
        port = server.port
        if request.path == "/hop":
            return Response(status=302, headers={"Location": f"http://localhost:{port}/inside"})
        body = (f'<title>Home</title><a href="/same">same host</a> <a href="/hop">redirects inside</a> '
                f'<a href="http://localhost:{port}/inside">localhost</a> '
                f'<a href="http://169.254.169.254/latest/meta-data/">metadata</a> '
                f'<a href="http://10.20.30.40/admin">router</a>')
        return Response(body, content_type="text/html")

    server.expect_request("").respond_with_handler(page)
    server.start()
    yield server, seen_hosts
    server.clear()
    server.stop()


def crawl(tmp_path, server, **settings):
    config = write_config(tmp_path / "r.yaml", [{"name": "home", "url": server.url_for("/")}],
                          retries=0, timeout=3, **settings)
    out = tmp_path / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out))
    return result, by_name(load_status(out))["home"]


def test_links_to_private_addresses_are_blocked_not_requested(web, tmp_path):
    server, seen = web
    result, home = crawl(tmp_path, server)
    assert "Traceback" not in result.stderr
    blocked = {link["url"]: link["evidence"] for link in home["blocked_links"]}
    port = server.port
    assert set(blocked) == {f"http://localhost:{port}/inside", "http://169.254.169.254/latest/meta-data/",
                            "http://10.20.30.40/admin", f"http://127.0.0.1:{port}/hop"}
    assert "169.254.169.254 resolves to 169.254.169.254" in blocked["http://169.254.169.254/latest/meta-data/"]
    assert "localhost resolves to 127.0.0.1" in blocked[f"http://localhost:{port}/inside"]
    assert home["broken_links"] == [] and home["links"]["blocked"] == 4
    assert not [line for line in seen if f"localhost:{port}" in line], "a private host was requested"
    assert f"HEAD 127.0.0.1:{port}/same" in seen, "the listed resource's own host stays checked"


def test_tests_and_intranets_can_turn_it_off(web, tmp_path):
    server, seen = web
    result, home = crawl(tmp_path, server, block_private_addresses=False)
    port = server.port
    assert f"HEAD localhost:{port}/inside" in seen
    assert not any(link["url"].startswith("http://localhost") for link in home["blocked_links"])
