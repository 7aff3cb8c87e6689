"""The crawl runs on uvloop where it can be imported, and on Python's own loop where
it cannot, with the same results; `-v` says which (crawler/crawl/eventloop.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import ROOT, run_cli, write_config

pytestmark = pytest.mark.crawl


@pytest.fixture(scope="module")
def site():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def handle(request: Request) -> Response:
        if request.path == "/":
            return Response('<a href="/ok">ok</a> <a href="/gone">gone</a>', content_type="text/html")
        if request.path == "/ok":
            return Response("<p>fine</p>", content_type="text/html")
        return Response("no", status=404)

    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    server.start()
    yield server
    server.clear()
    server.stop()


def _run(site: HTTPServer, folder: Path, env: dict[str, str] | None = None):
    folder.mkdir(parents=True)
    config = write_config(folder / "r.yaml", [{"name": "site", "url": site.url_for("/"), "depth": 1}],
                          block_private_addresses=False, retries=0)
    return run_cli("run", "--config", str(config), "--db", str(folder / "h.db"), "--out", str(folder / "out"),
                   "-v", "--format", "json", env=env)


def test_uvloop_where_it_imports_python_loop_where_it_does_not(site, tmp_path):
    on_uvloop = _run(site, tmp_path / "uvloop")
    shadow = tmp_path / "shadow" / "uvloop"  # a uvloop that fails to import, first on the path
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('built for another platform')\n")
    on_python = _run(site, tmp_path / "python", env={"PYTHONPATH": f"{shadow.parent}:{ROOT}"})

    assert "Event loop: uvloop" in on_uvloop.stderr, on_uvloop.stderr
    assert "Event loop: Python's asyncio loop (uvloop cannot be imported)" in on_python.stderr, on_python.stderr
    for result in (on_uvloop, on_python):
        assert result.returncode == 1, result.stdout + result.stderr  # the broken link
        assert "Traceback" not in result.stderr and "WARNING" not in result.stderr
    assert on_uvloop.stdout.count("/gone") == on_python.stdout.count("/gone") >= 1
    assert "/ok" not in on_uvloop.stdout.replace(site.url_for("/"), "")  # healthy links are not listed as broken
