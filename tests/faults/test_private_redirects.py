"""A listed resource's redirect obeys the address rule (block_private_addresses): a
redirect to a private address of a host that is not listed is blocked before any
connection and shown on the resource, in every spelling of the address; a resource
with allow_private_redirects, or a target host that is listed too, is followed.

Three servers on three loopback addresses: the listed site on 127.0.0.1, an
"intranet" on 127.0.0.2 that nothing lists (each request it gets is logged), and a
second one on 127.0.0.3 that a resource lists."""

from __future__ import annotations

import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import by_name, load_status, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def web():
    seen: list[str] = []
    lock = threading.Lock()
    site, intranet, listed = (HTTPServer(host=f"127.0.0.{n}", port=0, threaded=True) for n in (1, 2, 3))
    p2 = None

    def inside(request: Request) -> Response:
        with lock:
            seen.append(f"{request.host.rsplit(':', 1)[0]} {request.method} {request.path}")
        return Response(f"<title>Inside {request.path}</title>", content_type="text/html")

    def redirect(target: str) -> Response:
        return Response(status=302, headers={"Location": target})

    def outside(request: Request) -> Response:
        targets = {
            "/to/dotted": f"http://127.0.0.2:{p2}/dotted",
            "/to/decimal": f"http://2130706434:{p2}/decimal",
            "/to/hex": f"http://0x7f000002:{p2}/hex",
            "/to/mapped": f"http://[::ffff:127.0.0.2]:{p2}/mapped",
            "/asset/img": f"http://127.0.0.2:{p2}/img.png",
            "/asset/js": f"http://0x7f000002:{p2}/app.js",
            "/to/allowed": f"http://127.0.0.2:{p2}/allowed",
            "/to/listed": listed.url_for("/listed"),
        }
        if request.path in targets:
            return redirect(targets[request.path])
        return Response('<title>Page</title><img src="/asset/img"><script src="/asset/js"></script>',
                        content_type="text/html")

    site.expect_request("").respond_with_handler(outside)
    for server in (intranet, listed):
        server.expect_request("").respond_with_handler(inside)
    for server in (site, intranet, listed):
        server.start()
    p2 = intranet.port
    yield site, listed, seen
    for server in (site, intranet, listed):
        server.clear()
        server.stop()


# spelling: the host as the redirect's URL has it
SPELLINGS = {"dotted": "127.0.0.2", "decimal": "2130706434", "hex": "0x7f000002", "mapped": "::ffff:127.0.0.2"}
IN_URL = {"mapped": "[::ffff:127.0.0.2]"}


def test_redirects_of_listed_resources_to_unlisted_private_hosts_are_blocked_and_shown(web, tmp_path):
    site, listed, seen = web
    resources = [{"name": f"to {spelling}", "url": site.url_for(f"/to/{spelling}")} for spelling in SPELLINGS]
    resources += [
        {"name": "page", "url": site.url_for("/page"), "check_assets": True},
        {"name": "allowed", "url": site.url_for("/to/allowed"), "allow_private_redirects": True},
        {"name": "to listed", "url": site.url_for("/to/listed")},
        {"name": "listed home", "url": listed.url_for("/home")},
    ]
    config = write_config(tmp_path / "r.yaml", resources, retries=0, timeout=5)
    out = tmp_path / "out"
    result = run_cli("run", "--config", str(config), "--db", str(out / "h.db"), "--out", str(out))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr  # four resources are down: their redirect was refused
    status = by_name(load_status(out))
    assert not [line for line in seen if line.startswith("127.0.0.2") and not line.endswith("/allowed")], seen

    for spelling, host in SPELLINGS.items():
        entry = status[f"to {spelling}"]
        assert entry["status"] == "down"
        target = f"http://{IN_URL.get(spelling, host)}:"
        assert entry["error"].startswith(f"redirect to a private address blocked: {target}"), entry["error"]
        assert f"({host} resolves to {'::ffff:' if spelling == 'mapped' else ''}127.0.0.2;" in entry["error"]
        assert "allow_private_redirects: true" in entry["error"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count("redirect to a private address blocked: ") >= len(SPELLINGS)

    blocked = {link["url"]: link["evidence"] for link in status["page"]["blocked_links"]}
    assert set(blocked) == {site.url_for("/asset/img"), site.url_for("/asset/js")}, "img src and script src"
    assert all("resolves to 127.0.0.2" in evidence for evidence in blocked.values()), blocked

    assert status["allowed"]["status"] == "up" and status["allowed"]["title"] == "Inside /allowed"
    assert status["to listed"]["status"] == "up" and status["to listed"]["title"] == "Inside /listed"
    assert sorted(line for line in seen if line.startswith("127.0.0.2")) == ["127.0.0.2 GET /allowed"]
    assert "127.0.0.3 GET /listed" in seen
